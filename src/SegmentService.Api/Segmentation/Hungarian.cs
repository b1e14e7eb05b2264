namespace SegmentService.Api.Segmentation;

/// <summary>Minimum-cost assignment (Hungarian algorithm with potentials, O(n²m)).</summary>
public static class Hungarian
{
    /// <summary>
    /// Assigns rows to distinct columns minimising the total cost; returns each row's column, or −1 for rows
    /// left over when there are more rows than columns.
    /// </summary>
    public static int[] Solve(double[,] cost)
    {
        var rows = cost.GetLength(0);
        var cols = cost.GetLength(1);
        if (rows == 0 || cols == 0)
        {
            return [.. Enumerable.Repeat(-1, rows)];
        }
        if (rows > cols)
        {
            var transposed = new double[cols, rows];
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < cols; j++)
                {
                    transposed[j, i] = cost[i, j];
                }
            }
            var byColumn = Solve(transposed);
            var result = Enumerable.Repeat(-1, rows).ToArray();
            for (var j = 0; j < cols; j++)
            {
                result[byColumn[j]] = j;
            }
            return result;
        }

        // 1-based arrays as in the textbook formulation; p[j] is the row matched to column j.
        var u = new double[rows + 1];
        var v = new double[cols + 1];
        var p = new int[cols + 1];
        var way = new int[cols + 1];
        for (var i = 1; i <= rows; i++)
        {
            p[0] = i;
            var j0 = 0;
            var minv = new double[cols + 1];
            var used = new bool[cols + 1];
            Array.Fill(minv, double.PositiveInfinity);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                var delta = double.PositiveInfinity;
                for (var j = 1; j <= cols; j++)
                {
                    if (used[j])
                    {
                        continue;
                    }
                    var current = cost[i0 - 1, j - 1] - u[i0] - v[j];
                    if (current < minv[j])
                    {
                        minv[j] = current;
                        way[j] = j0;
                    }
                    if (minv[j] < delta)
                    {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (var j = 0; j <= cols; j++)
                {
                    if (used[j])
                    {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            }
            while (p[j0] != 0);
            do
            {
                var j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }
        var assignment = new int[rows];
        for (var j = 1; j <= cols; j++)
        {
            if (p[j] != 0)
            {
                assignment[p[j] - 1] = j - 1;
            }
        }
        return assignment;
    }
}
