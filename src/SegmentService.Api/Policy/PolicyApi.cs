using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SegmentService.Api.Hosting;
using SegmentService.Api.Validation;

namespace SegmentService.Api.Policy;

public static class PolicyApi
{
    public static IEndpointRouteBuilder MapPolicyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/policy")
            .WithTags("Policy")
            .RequireAuthorization(AuthPolicies.Admin);

        group.MapGet("/", GetPolicy)
            .WithName("GetPolicy")
            .WithSummary("Per segment: top items by Q with visit counts and what each candidate source earned with its blend weight; the exploration setting and policy version")
            .ProducesValidationProblem();

        group.MapGet("/evaluation", GetEvaluation)
            .WithName("GetPolicyEvaluation")
            .WithSummary("IPS and SNIPS estimates, with standard errors, of the policy in force at `from` on the impressions after it")
            .WithDescription("Evaluates the latest snapshot taken at or before `from` (never a table trained on the evaluated rows) " +
                "on impressions created in [from, to) (default: the last 24 hours). Slot k of a slate is weighted by the product of " +
                "the probability ratios of slots 1..k; candidates are the in-stock catalogue minus what each request excluded. " +
                "Items without feedback count as the default reward. Also gives the logging policy's own mean reward.")
            .ProducesValidationProblem();
        return app;
    }

    /// <param name="top">Items per segment, 1–100 (default 10).</param>
    /// <param name="table">The Q-table.</param>
    /// <param name="priors">Starting values of cells with nothing settled.</param>
    /// <param name="scorer">The blend's per-segment source weights.</param>
    /// <param name="options">Policy settings.</param>
    public static Results<Ok<PolicySummary>, ProblemHttpResult> GetPolicy(
        string? top, QTable table, ItemPriors priors, PolicyScorer scorer, IOptions<PolicyOptions> options)
    {
        var size = 10;
        if (top is not null && (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 100))
        {
            return Problems.Validation("top", "must be a whole number from 1 to 100.");
        }
        var rule = options.Value.Rule();
        var segments = table.Keys.Order(StringComparer.Ordinal)
            .Select(key =>
            {
                var row = table.Row(key);
                var cells = row.Cells();
                var totals = row.Totals;
                return new SegmentPolicy(
                    key,
                    cells.Count,
                    (long)totals.Impressions,
                    totals.Mean(0),
                    [.. cells
                        .Select(c => (c.ItemId, c.Cell, Served: rule.Serve(c.Cell, priors.Prior(key, c.ItemId))))
                        .OrderByDescending(c => c.Served.Mean).ThenBy(c => c.ItemId, StringComparer.Ordinal)
                        .Take(size)
                        .Select(c => new ItemValue(c.ItemId, c.Served.Mean, c.Cell.Impressions, c.Cell.PendingImpressions))],
                    Sources(key, table, priors, scorer, rule, out var fit),
                    fit);
            })
            .ToList();
        var o = options.Value;
        return TypedResults.Ok(new PolicySummary(table.Version, ExplorationSetting.From(o), o.LearningRate, o.Discount, segments));
    }

    private static List<SourceValue> Sources(string key, QTable table, ItemPriors priors, PolicyScorer scorer, LearningRule rule, out BlendFit fit)
    {
        var level = priors.Level(key);
        var row = table.TryGetRow(QTable.SourcesKey(key), out var found) ? found : null;
        var model = scorer.Blend(table, key);
        fit = new BlendFit(model.Coefficients[0], model.Coefficients[1], model.ShownItems);
        return [.. PolicyScorer.BlendedSources.Select((source, j) =>
        {
            var cell = row is not null && row.TryGet(source, out var c) ? c : default;
            return new SourceValue(source, rule.Serve(cell, level).Mean, cell.Impressions, cell.PendingImpressions, model.Coefficients[2 + j], model.Served[j], model.Exploration[j]);
        })];
    }

    /// <param name="from">RFC 3339 start, inclusive (default: 24 hours before `to`).</param>
    /// <param name="to">RFC 3339 end, exclusive (default: now).</param>
    /// <param name="evaluator">The estimator.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="cancellationToken">The request's token.</param>
    public static async Task<Results<Ok<PolicyEvaluation>, ProblemHttpResult>> GetEvaluation(
        string? from, string? to, PolicyEvaluator evaluator, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var end = InputRules.ParseTimestamp(to, "to", errors) ?? timeProvider.GetUtcNow();
        var start = InputRules.ParseTimestamp(from, "from", errors) ?? end.AddDays(-1);
        if (!errors.Any && start >= end)
        {
            errors.Add("from", "must be before 'to'.");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        return TypedResults.Ok(await evaluator.EvaluateAsync(start, end, cancellationToken));
    }
}
