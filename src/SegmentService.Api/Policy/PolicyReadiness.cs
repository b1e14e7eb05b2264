using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SegmentService.Api.Policy;

/// <summary>Completes once the policy's in-memory state (Q-table, priors, catalogue, purchases) is loaded.</summary>
public sealed class PolicyReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    public Task WaitAsync(CancellationToken cancellationToken) =>
        IsReady ? Task.CompletedTask : _ready.Task.WaitAsync(cancellationToken);

    /// <summary>How long a request waits for the state before it is answered 503.</summary>
    public static readonly TimeSpan RequestWait = TimeSpan.FromSeconds(5);

    /// <summary>Waits up to <see cref="RequestWait"/>; false if the state is still loading (the database may be down).</summary>
    public async Task<bool> WaitForRequestAsync(CancellationToken cancellationToken)
    {
        if (IsReady)
        {
            return true;
        }
        try
        {
            await _ready.Task.WaitAsync(RequestWait, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public static ProblemHttpResult NotReadyProblem() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Policy state is loading",
        detail: "The service is still loading its Q-table and catalogue (is the database reachable?). Retry shortly.");

    internal void MarkReady() => _ready.TrySetResult();
}

/// <summary>Not ready until the policy state is loaded, so a load balancer does not send /recommend to a replica that would answer 503.</summary>
public sealed class PolicyReadyCheck(PolicyReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The policy state (Q-table, priors, catalogue) is still loading."));
}
