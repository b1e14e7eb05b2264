using Microsoft.Extensions.Options;
using SegmentService.Api.Behaviour;
using SegmentService.Api.Catalog;
using SegmentService.Api.Events;

namespace RetailReplay;

/// <summary>
/// The service's Behaviour classes run in process (no HTTP, no database): candidates from <see cref="CandidateSources"/>
/// scored as similarWeight × similar affinity + contentWeight × content affinity + popularityWeight × popularity
/// (scaled to max 1); popularity fills the rest. This is how the CF defaults were tuned.
/// </summary>
public sealed class BehaviourScorer : IScorer, IDisposable
{
    private readonly BehaviourModel _model;
    private readonly CandidateSources _sources;
    private readonly double _content;
    private readonly double _popularity;
    private int _sinceRerank;

    public BehaviourScorer(string name, RetailData data, BehaviourOptions options, double contentWeight = 0, double popularityWeight = 0.5)
    {
        Name = name;
        _content = contentWeight;
        _popularity = popularityWeight;
        _model = new BehaviourModel(Options.Create(options));
        _sources = new CandidateSources(_model, Options.Create(options));
        _model.Content.Upsert(data.Catalogue.Select(c =>
            new ValidItem(c.Key, RetailData.CategoryOf(c.Value.Description), c.Value.Price, true, c.Value.Description)).ToList());
        _model.Apply(data.Warmup.SelectMany(Signals));
        _model.Content.Rerank(_model.Graph.Engagement);
    }

    public string Name { get; }

    public void Dispose() => _sources.Dispose();

    public ValueTask<IReadOnlyList<string>> RecommendAsync(Invoice invoice, ShopHistory history, int count)
    {
        var scores = Scores(invoice, history);
        if (_popularity > 0)
        {
            CosineScorer.Blend(scores, history, _popularity);
        }
        return ValueTask.FromResult(Rank.TopThenPopular(scores, history, Rank.Bought(history, invoice.CustomerId), count));
    }

    /// <summary>similar affinity + contentWeight × content affinity, by ShopHistory item id.</summary>
    public Dictionary<int, double> Scores(Invoice invoice, ShopHistory history)
    {
        var scores = new Dictionary<int, double>();
        foreach (var c in _sources.ForUser(ServiceScorer.UserId(invoice.CustomerId), 100))
        {
            var weight = c.Source == CandidateSource.Similar ? 1 : _content;
            if (weight > 0)
            {
                var id = history.Id(c.ItemId);
                scores[id] = scores.GetValueOrDefault(id) + weight * c.Affinity;
            }
        }
        return scores;
    }

    public ValueTask ObserveAsync(Invoice invoice, IReadOnlyList<string> recommended)
    {
        _model.Apply(Signals(invoice));
        if (++_sinceRerank == 200)
        {
            _model.Content.Rerank(_model.Graph.Engagement);
            _sinceRerank = 0;
        }
        return ValueTask.CompletedTask;
    }

    private static IEnumerable<BehaviourSignal> Signals(Invoice invoice) => invoice.Lines.Select(l =>
        new BehaviourSignal(ServiceScorer.UserId(l.CustomerId), EventType.Purchase, l.StockCode, new DateTimeOffset(l.At, TimeSpan.Zero)));
}
