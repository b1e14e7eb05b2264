using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class ItemPriorShelfTests
{
    private sealed class TwoShelves : ICandidateCatalog
    {
        public string[] Candidates(string? category) => [];

        public string? CategoryOf(string itemId) => itemId.StartsWith("near-", StringComparison.Ordinal) ? "near" : "far";
    }

    [Fact]
    public void AShelfShownWithoutRewardsLosesItsOptimismBeforeAnyImpressionSettles()
    {
        var table = new QTable();
        var options = Options.Create(new PolicyOptions());
        var priors = new ItemPriors(table, options, new FakeTimeProvider(), new TwoShelves());
        var scorer = new PolicyScorer(priors, options);
        var row = table.Row("s");
        // Open impressions only (their windows have not closed): 60 on each shelf, a click on every fifth "near" one.
        for (var i = 0; i < 60; i++)
        {
            row.AddPending($"near-{i}", 1, i % 5 == 0 ? 1 : 0);
            row.AddPending($"far-{i}", 1, 0);
        }

        priors.CalibrateShelves();

        string[] untried = ["near-new", "far-new"];
        var (prior, means, selection) = (new double[2], new double[2], new double[2]);
        scorer.Score(table, "s", untried, prior, means, selection);
        var shelves = new double[2];
        priors.Fill("s", untried, prior, shelves);
        var level = priors.Level("s");
        Assert.True(shelves[0] > level, $"near shelf {shelves[0]} above the segment's level {level}");
        Assert.True(shelves[1] < level / 2, $"far shelf {shelves[1]} well below the segment's level {level}");
        Assert.True(selection[0] > selection[1], $"untried near item {selection[0]} explored before untried far item {selection[1]}");
    }
}
