namespace SegmentService.Api.Policy;

/// <summary>Where exploration draws its randomness; tests register a seeded one.</summary>
public interface IPolicyRandom
{
    /// <summary>A uniform number in [0, 1).</summary>
    double NextDouble();
}

/// <summary>The shared, thread-safe generator: no lock on the request path.</summary>
public sealed class SharedPolicyRandom : IPolicyRandom
{
    public double NextDouble() => Random.Shared.NextDouble();
}

/// <summary>A seeded generator for reproducible runs; the lock makes its sequence well defined under concurrency.</summary>
public sealed class SeededPolicyRandom(int seed) : IPolicyRandom
{
    private readonly Random _random = new(seed);
    private readonly Lock _sync = new();

    public double NextDouble()
    {
        lock (_sync)
        {
            return _random.NextDouble();
        }
    }
}
