using System.Diagnostics;

namespace SegmentService.Simulator;

/// <summary>
/// Drives the service for <see cref="SimulatorOptions.Duration"/>: workers run shopper sessions (browse events, then
/// /recommend, clicks and purchases drawn from the true probabilities and posted as feedback); a timer closes report
/// windows, applies drift at its times and starts segmentation runs.
/// </summary>
internal sealed class Simulation(SimulatorOptions options, Shop shop, StorefrontClient client, TextWriter log)
{
    private readonly List<WindowStats> _windows = [];
    private readonly Lock _sync = new();
    private WindowStats _current = new(0);
    private int _sessions;
    private int _errors;

    public async Task<IReadOnlyList<WindowStats>> RunAsync(CancellationToken cancellationToken)
    {
        await client.PutCatalogueAsync(shop.Items, cancellationToken);
        log.WriteLine($"catalogue: {shop.Items.Count} items in {Shop.Categories.Length} categories; {shop.Shoppers.Count} shoppers in {Shop.Groups} taste groups");
        await WarmUpAsync(cancellationToken);

        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(options.Duration);
        var workers = Enumerable.Range(0, options.Workers).Select(w => Task.Run(() => WorkAsync(w, stop.Token), CancellationToken.None)).ToList();
        await TickAsync(clock, stop.Token);
        await Task.WhenAll(workers);
        lock (_sync)
        {
            _current.EndSeconds = clock.Elapsed.TotalSeconds;
            if (_current.Sessions > 0)
            {
                _windows.Add(_current);
            }
        }
        log.WriteLine($"done: {_sessions} sessions, {_errors} failed requests");
        return _windows;
    }

    /// <summary>Some history for every shopper before the clock starts, so the first segmentation run has users to cluster.</summary>
    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        var events = new List<EventOut>();
        foreach (var shopper in shop.Shoppers)
        {
            events.AddRange(Browse(shopper, $"{shopper.Id}-w", 8, random));
            if (events.Count >= 900)
            {
                await client.PostEventsAsync(events, cancellationToken);
                events.Clear();
            }
        }
        if (events.Count > 0)
        {
            await client.PostEventsAsync(events, cancellationToken);
        }
        if (options.SegmentEvery > TimeSpan.Zero && await client.StartSegmentationAsync(cancellationToken))
        {
            log.WriteLine("warm-up: browsing history posted; segmentation run started");
        }
    }

    private async Task TickAsync(Stopwatch clock, CancellationToken stop)
    {
        var drifts = new Queue<TimeSpan>(options.DriftAt.Order());
        var nextWindow = options.Window;
        var nextRun = options.SegmentEvery;
        var random = new Random(options.Seed + 1);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = clock.Elapsed;
                if (now >= nextWindow)
                {
                    CloseWindow(now);
                    nextWindow += options.Window;
                }
                if (drifts.TryPeek(out var at) && now >= at)
                {
                    drifts.Dequeue();
                    var what = shop.Drift(random);
                    lock (_sync)
                    {
                        _current.Drift = what;
                    }
                    log.WriteLine($"{now.TotalSeconds,6:F0}s  drift: {what}");
                }
                if (options.SegmentEvery > TimeSpan.Zero && now >= nextRun)
                {
                    nextRun += options.SegmentEvery;
                    _ = await client.StartSegmentationAsync(stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private void CloseWindow(TimeSpan now)
    {
        WindowStats closed;
        lock (_sync)
        {
            closed = _current;
            closed.EndSeconds = now.TotalSeconds;
            _windows.Add(closed);
            _current = new WindowStats(now.TotalSeconds);
        }
        log.WriteLine(
            $"{closed.EndSeconds,6:F0}s  sessions {closed.Sessions,5}  CTR {closed.Ctr:P1} (random {closed.RandomCtrPerSlot:P1}, oracle {closed.OracleCtrPerSlot:P1})  " +
            $"reward/slot {closed.RewardPerSlot:F3} (random {closed.RandomRewardPerSlot:F3}, oracle {closed.OracleRewardPerSlot:F3})  segments seen {closed.Segments.Count}");
    }

    private async Task WorkAsync(int worker, CancellationToken stop)
    {
        var random = new Random(options.Seed * 1000 + worker + 17);
        while (!stop.IsCancellationRequested && Interlocked.Increment(ref _sessions) <= options.MaxSessions)
        {
            try
            {
                await SessionAsync(random, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException ex)
            {
                if (Interlocked.Increment(ref _errors) <= 5)
                {
                    log.WriteLine($"request failed: {ex.Message}");
                }
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    private async Task SessionAsync(Random random, CancellationToken stop)
    {
        var shopper = shop.Shoppers[random.Next(shop.Shoppers.Count)];
        var session = $"{shopper.Id}-{Guid.NewGuid():N}"[..40];
        await client.PostEventsAsync(Browse(shopper, session, 1 + random.Next(3), random), stop);

        var answer = await client.RecommendAsync(shopper.Id, options.Slate, stop);
        var baseline = Baseline.For(shop, shopper, options.Slate, options.ClickReward, options.PurchaseReward);
        var clicks = 0;
        var reward = 0.0;
        foreach (var shown in answer.Items)
        {
            if (shop.Find(shown.ItemId) is not { } item || random.NextDouble() >= shop.ClickProbability(shopper, item))
            {
                continue;
            }
            clicks++;
            reward += (await client.FeedbackAsync("click", answer.RecommendationId, item.Id, null, stop))?.Reward ?? 0;
            if (random.NextDouble() < Shop.PurchaseProbability(shopper, item))
            {
                reward += (await client.FeedbackAsync("purchase", answer.RecommendationId, item.Id, item.Price, stop))?.Reward ?? 0;
            }
        }
        WindowStats current;
        lock (_sync)
        {
            current = _current;
        }
        current.Add(answer.Items.Count, clicks, reward, baseline, answer.Segment?.Key);
    }

    /// <summary>Organic behaviour: views of items from the shopper's taste, some clicked, carted and bought.</summary>
    private List<EventOut> Browse(Shopper shopper, string session, int views, Random random)
    {
        var events = new List<EventOut>();
        var now = DateTimeOffset.UtcNow;
        for (var v = 0; v < views; v++)
        {
            var item = shop.Browse(shopper, random);
            var id = $"{session}-{v}";
            events.Add(new EventOut($"{id}-v", shopper.Id, "view", item.Id, now, null, null, session, "simulator"));
            if (random.NextDouble() < shop.ClickProbability(shopper, item) * 1.5)
            {
                events.Add(new EventOut($"{id}-c", shopper.Id, "click", item.Id, now, null, null, session, "simulator"));
                if (random.NextDouble() < Shop.PurchaseProbability(shopper, item) * 2)
                {
                    events.Add(new EventOut($"{id}-a", shopper.Id, "add_to_cart", item.Id, now, null, 1, session, "simulator"));
                    events.Add(new EventOut($"{id}-p", shopper.Id, "purchase", item.Id, now, item.Price, 1, session, "simulator"));
                }
            }
        }
        return events;
    }
}
