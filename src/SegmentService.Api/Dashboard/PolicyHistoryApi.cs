using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;
using SegmentService.Api.Hosting;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Dashboard;

/// <summary>CTR and mean reward per segment in one time bucket.</summary>
/// <param name="BucketStart">Start of the bucket (inclusive).</param>
/// <param name="SegmentKey">The segment the impressions were served in. <example>seg-3</example></param>
/// <param name="Impressions">Recommendations served. <example>120</example></param>
/// <param name="Slots">Items shown (one decision each). <example>600</example></param>
/// <param name="Clicked">Shown items that got a click, cart or purchase. <example>42</example></param>
/// <param name="Ctr">Clicked / Slots. <example>0.07</example></param>
/// <param name="MeanReward">Sum of click, cart and purchase rewards / Slots (items without feedback count 0). <example>0.11</example></param>
public sealed record HistoryPoint(
    DateTimeOffset BucketStart, string SegmentKey, long Impressions, long Slots, long Clicked, double Ctr, double MeanReward);

/// <summary>The impression and feedback logs, aggregated per time bucket and segment.</summary>
/// <param name="From">Start of the window (inclusive).</param>
/// <param name="To">End of the window (exclusive).</param>
/// <param name="BucketSeconds">Bucket width in seconds. <example>300</example></param>
/// <param name="Points">Ordered by bucket, then segment key; buckets without impressions are absent.</param>
public sealed record PolicyHistory(DateTimeOffset From, DateTimeOffset To, int BucketSeconds, IReadOnlyList<HistoryPoint> Points);

/// <summary>GET /admin/policy/history: what the dashboard plots as "CTR and mean reward over time per segment".</summary>
public static class PolicyHistoryApi
{
    public const int MaxBuckets = 2_000;

    public static IEndpointRouteBuilder MapPolicyHistoryApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/policy").WithTags("Policy").RequireAuthorization(AuthPolicies.Admin)
            .MapGet("/history", GetHistory)
            .WithName("GetPolicyHistory")
            .WithSummary("CTR and mean reward over time, per segment")
            .WithDescription("Aggregates the impression log and the feedback log over [from, to) (default: the last 24 hours) in buckets of " +
                "`bucket` seconds (default: the window split in 60). A shown item counts as clicked when it got a click, cart or purchase; " +
                "the mean reward sums those rewards per shown item, so items without feedback count 0 (the default reward is left out).")
            .ProducesValidationProblem();
        return app;
    }

    /// <param name="from">RFC 3339 start, inclusive (default: 24 hours before `to`).</param>
    /// <param name="to">RFC 3339 end, exclusive (default: now).</param>
    /// <param name="bucket">Bucket width in whole seconds, 1–86400, at most 2000 buckets in the window.</param>
    /// <param name="dataSource">The database.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="cancellationToken">The request's token.</param>
    public static async Task<Results<Ok<PolicyHistory>, ProblemHttpResult>> GetHistory(
        string? from, string? to, string? bucket, NpgsqlDataSource dataSource, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var end = InputRules.ParseTimestamp(to, "to", errors) ?? timeProvider.GetUtcNow();
        var start = InputRules.ParseTimestamp(from, "from", errors) ?? end.AddDays(-1);
        if (!errors.Any && start >= end)
        {
            errors.Add("from", "must be before 'to'.");
        }
        var seconds = 0;
        if (bucket is not null && (!int.TryParse(bucket, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds is < 1 or > 86_400))
        {
            errors.Add("bucket", "must be a whole number of seconds from 1 to 86400.");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var span = (end - start).TotalSeconds;
        if (seconds == 0)
        {
            seconds = (int)Math.Clamp(Math.Ceiling(span / 60), 1, 86_400);
        }
        if (span / seconds > MaxBuckets)
        {
            return Problems.Validation("bucket", $"gives more than {MaxBuckets} buckets in the window; use a wider bucket.");
        }
        return TypedResults.Ok(new PolicyHistory(start, end, seconds, await QueryAsync(dataSource, start, end, seconds, cancellationToken)));
    }

    private static async Task<List<HistoryPoint>> QueryAsync(
        NpgsqlDataSource dataSource, DateTimeOffset start, DateTimeOffset end, int seconds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT date_bin(make_interval(secs => $3), i.created_at, $1) AS bucket, i.segment_key,
                   count(*), sum(cardinality(i.item_ids)), coalesce(sum(f.clicked), 0), coalesce(sum(f.reward), 0)
            FROM impressions i
            LEFT JOIN LATERAL (
                SELECT count(DISTINCT fb.item_id) AS clicked, sum(fb.reward) AS reward
                FROM feedback fb
                WHERE fb.recommendation_id = i.recommendation_id) f ON true
            WHERE i.created_at >= $1 AND i.created_at < $2
            GROUP BY 1, 2
            ORDER BY 1, 2
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = start.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = end.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = seconds });
        var points = new List<HistoryPoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var slots = reader.GetInt64(3);
            var clicked = reader.GetInt64(4);
            var reward = reader.GetDouble(5);
            points.Add(new HistoryPoint(
                new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero), reader.GetString(1), reader.GetInt64(2), slots, clicked,
                slots == 0 ? 0 : (double)clicked / slots, slots == 0 ? 0 : reward / slots));
        }
        return points;
    }
}
