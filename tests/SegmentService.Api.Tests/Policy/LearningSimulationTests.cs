using SegmentService.Api.Feedback;
using SegmentService.Api.Recommendations;
using SegmentService.Api.Tests.Infrastructure;
using Xunit.Abstractions;
using static SegmentService.Api.Tests.Infrastructure.HttpAssertions;

namespace SegmentService.Api.Tests.Policy;

/// <summary>
/// A planted world driven through HTTP: 4 segments × 60 items; most items are clicked with probability
/// 0.02, and each segment has three hot items (0.6, 0.5, 0.4) that no history reveals. Each step asks one
/// recommendation (3 items) per segment, clicks by the planted probabilities, then lets the reward window
/// close so the sweeper gives the unclicked items reward 0.
/// </summary>
public sealed class LearningSimulationTests(ITestOutputHelper output)
{
    private const int Segments = 4;
    private const int Items = 60;
    private const int Slate = 3;
    private const double Base = 0.02;
    private static readonly double[] Hot = [0.6, 0.5, 0.4];

    private sealed class SimulationFactory(IEnumerable<KeyValuePair<string, string?>> settings) : PolicyFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> PolicySettings =>
            [new("Policy:DefaultPrior", "0.1"), new("Recommend:ExcludePurchased", "false"), .. settings];
    }

    private sealed class World
    {
        public readonly double[][] P = new double[Segments][];

        public World()
        {
            for (var s = 0; s < Segments; s++)
            {
                P[s] = Enumerable.Repeat(Base, Items).ToArray();
                for (var h = 0; h < Hot.Length; h++)
                {
                    P[s][HotItem(s, h)] = Hot[h];
                }
            }
        }

        // Hot items spread over the id range, different per segment.
        public static int HotItem(int segment, int rank) => (segment * 13 + rank * 17 + 5) % Items;

        public double Oracle(int s) => P[s].OrderDescending().Take(Slate).Average();

        public double Random(int s) => P[s].Average();
    }

    private sealed record Outcome(double GreedyCtr, double ServedCtr, double Oracle, double RandomCtr, int? RecoveredAfter, double RecoveredCtr);

    private async Task<Outcome> RunAsync(IEnumerable<KeyValuePair<string, string?>> settings, int trainSteps, int measureSteps, int driftSteps)
    {
        var factory = new SimulationFactory(settings);
        await factory.InitializeAsync();
        try
        {
            return await SimulateAsync(factory, trainSteps, measureSteps, driftSteps);
        }
        finally
        {
            await factory.DisposeAsync();
        }
    }

    private async Task<Outcome> SimulateAsync(SimulationFactory factory, int trainSteps, int measureSteps, int driftSteps)
    {
        await factory.AddItemsAsync(Enumerable.Range(0, Items).Select(i => ($"i{i:00}", "all", true)));
        for (var u = 0; u < Segments * 5; u++)
        {
            factory.Segments.Keys[$"sim-{u}"] = $"seg-{u % Segments}";
        }
        using var client = factory.Storefront();
        var world = new World();
        var random = new Random(42);
        var user = 0;

        async Task<List<(int Segment, RecommendResponse Answer, int Clicks)>> StepAsync()
        {
            var step = new List<(int, RecommendResponse, int)>();
            for (var s = 0; s < Segments; s++)
            {
                var userId = $"sim-{(user++ % 5) * Segments + s}";
                var answer = await PolicyFactory.RecommendAsync(client, $"userId={userId}&count={Slate}");
                var clicks = 0;
                foreach (var item in answer.Items)
                {
                    if (random.NextDouble() < world.P[s][int.Parse(item.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture)])
                    {
                        clicks++;
                        await (await PolicyFactory.ClickAsync(client, answer.RecommendationId, item.ItemId)).ReadOkAsync<FeedbackResponse>();
                    }
                }
                step.Add((s, answer, clicks));
            }
            // The storefront reports what it showed as view events: the priors' denominator.
            var views = step.SelectMany(x => x.Item2.Items.Select(item => new
            {
                eventId = $"v-{x.Item2.RecommendationId}-{item.ItemId}",
                userId = x.Item2.UserId,
                type = "view",
                itemId = item.ItemId,
                occurredAt = factory.Time.GetUtcNow(),
            }));
            (await client.PostAsync("/events", Json(System.Text.Json.JsonSerializer.Serialize(new { events = views })))).EnsureSuccessStatusCode();
            await factory.Get<ImpressionLog>().FlushAsync(CancellationToken.None);
            factory.Time.Advance(TimeSpan.FromMinutes(10));
            await factory.SweepAsync();
            return step;
        }

        double Truth(int s, string itemId) => world.P[s][int.Parse(itemId[1..], System.Globalization.CultureInfo.InvariantCulture)];

        for (var i = 0; i < trainSteps; i++)
        {
            await StepAsync();
        }
        using var admin = factory.Admin();
        double greedySum = 0, servedClicks = 0;
        int greedyCount = 0, served = 0;
        for (var i = 0; i < measureSteps; i++)
        {
            foreach (var (s, answer, clicks) in await StepAsync())
            {
                servedClicks += clicks;
                served += answer.Items.Count;
            }
            // The greedy policy's slate is each segment's top three by Q: its expected CTR under the planted truth.
            var summary = await (await admin.GetAsync($"/admin/policy?top={Slate}")).ReadOkAsync<SegmentService.Api.Policy.PolicySummary>();
            foreach (var segment in summary.Segments)
            {
                var s = int.Parse(segment.Key[4..], System.Globalization.CultureInfo.InvariantCulture);
                greedySum += segment.TopItems.Sum(t => Truth(s, t.ItemId));
                greedyCount += Slate;
            }
            if (i == measureSteps - 1)
            {
                foreach (var segment in summary.Segments)
                {
                    output.WriteLine($"  {segment.Key}: " + string.Join(", ", segment.TopItems.Select(t => $"{t.ItemId} q={t.Q:F2} n={t.Visits} p={Truth(int.Parse(segment.Key[4..], System.Globalization.CultureInfo.InvariantCulture), t.ItemId)}")));
                }
            }
        }
        var oracle = Enumerable.Range(0, Segments).Average(world.Oracle);
        var randomCtr = Enumerable.Range(0, Segments).Average(world.Random);

        int? recoveredAfter = null;
        var recoveredCtr = 0.0;
        if (driftSteps > 0)
        {
            // Segment 0's taste moves: its hot items go cold and three cold items become hot.
            for (var h = 0; h < Hot.Length; h++)
            {
                world.P[0][World.HotItem(0, h)] = Base;
                world.P[0][(World.HotItem(0, h) + 30) % Items] = Hot[h];
            }
            var newOracle = world.Oracle(0);
            var window = new Queue<double>();
            for (var i = 0; i < driftSteps && recoveredAfter is null; i++)
            {
                await StepAsync();
                var summary = await (await admin.GetAsync($"/admin/policy?top={Slate}")).ReadOkAsync<SegmentService.Api.Policy.PolicySummary>();
                var greedy = summary.Segments.Single(x => x.Key == "seg-0").TopItems.Sum(t => Truth(0, t.ItemId)) / Slate;
                window.Enqueue(greedy);
                if (window.Count > 10)
                {
                    window.Dequeue();
                }
                if (window.Count == 10 && window.Average() >= 0.8 * newOracle)
                {
                    recoveredAfter = i + 1;
                    recoveredCtr = window.Average() / newOracle;
                }
            }
        }
        return new Outcome(greedySum / greedyCount, servedClicks / served, oracle, randomCtr, recoveredAfter, recoveredCtr);
    }

    private void Report(string name, Outcome o) =>
        output.WriteLine(
            $"{name}: greedy CTR {o.GreedyCtr:F3} = {o.GreedyCtr / o.Oracle:F2}× oracle {o.Oracle:F3}, {o.GreedyCtr / o.RandomCtr:F1}× random {o.RandomCtr:F3}; " +
            $"served CTR (with exploration) {o.ServedCtr:F3}; recovered after drift: " +
            (o.RecoveredAfter is { } n ? $"{n} recommendations to the segment ({o.RecoveredCtr:F2}× new oracle over the last 10)" : "not measured or not reached"));

    [Fact]
    public async Task EpsilonGreedyLearnsPlantedPreferencesAndRecoversFromDrift()
    {
        var o = await RunAsync([new("Policy:Epsilon", "0.1")], trainSteps: 300, measureSteps: 50, driftSteps: 300);
        Report("epsilon-greedy ε=0.1, γ=0", o);
        Assert.True(o.GreedyCtr >= 0.9 * o.Oracle, $"greedy {o.GreedyCtr:F3} < 0.9 × oracle {o.Oracle:F3}");
        Assert.True(o.GreedyCtr >= 2 * o.RandomCtr);
        Assert.NotNull(o.RecoveredAfter);
        Assert.True(o.RecoveredAfter <= 300);
    }

    [Fact]
    public async Task DiscountedAndSoftmaxVariantsAlsoLearn()
    {
        var discounted = await RunAsync([new("Policy:Epsilon", "0.1"), new("Policy:Discount", "0.5")], 300, 50, 300);
        Report("epsilon-greedy ε=0.1, γ=0.5", discounted);
        var softmax = await RunAsync([new("Policy:Exploration", "Softmax"), new("Policy:Temperature", "0.05")], 300, 50, 300);
        Report("softmax τ=0.05, γ=0", softmax);
        Assert.True(discounted.GreedyCtr >= 2 * discounted.RandomCtr);
        Assert.True(softmax.GreedyCtr >= 2 * softmax.RandomCtr);
    }
}
