using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SegmentService.Api.Policy;

namespace SegmentService.Tests.Policy;

public sealed class ItemPriorShelfTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    /// <summary>20 items on each of two shelves, "near-0".."near-19" and "far-0".."far-19" (and any other id on "far").</summary>
    private sealed class TwoShelves : ICandidateCatalog
    {
        public string[] Candidates(string? category) => [.. Enumerable.Range(0, 20).Select(i => $"{category}-{i}")];

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

    [Fact]
    public void AShelfTheSegmentNeverTouchedStartsBelowOneItsUsersEngagedWithWhilePriorsStayTheSame()
    {
        var table = new QTable();
        var options = Options.Create(new PolicyOptions());
        var priors = new ItemPriors(table, options, new FakeTimeProvider(Now), new TwoShelves());
        for (var i = 0; i < 10; i++)
        {
            priors.Add("s", 1, $"near-{i}", Now.AddHours(-1));
        }
        table.Row("s").AddPending("near-0", 1, 0);
        priors.Calibrate();

        string[] untried = ["near-19", "far-19"];
        var (prior, shelves) = (new double[2], new double[2]);
        priors.Fill("s", untried, prior, shelves);
        // Nobody engaged with either item: the same prior; but half the near shelf was engaged with (Λ = ¾), none of the far one (Λ = ½).
        Assert.Equal(prior[0], prior[1], 12);
        Assert.True(shelves[0] > 1.4 * shelves[1], $"near shelf {shelves[0]} well above far shelf {shelves[1]}");
    }
}
