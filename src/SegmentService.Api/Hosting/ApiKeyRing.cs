using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SegmentService.Api.Hosting;

/// <summary>
/// The configured keys as SHA-256 hashes, so a presented key is compared with every known key in
/// constant time (equal-length hashes, no early exit) and no key is hashed again per request.
/// </summary>
public sealed class ApiKeyRing : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile (byte[] Hash, string Role, string Id)[] _entries;

    public ApiKeyRing(IOptionsMonitor<AuthOptions> options)
    {
        _entries = Build(options.CurrentValue);
        _subscription = options.OnChange(updated => _entries = Build(updated));
    }

    public string? FindRole(string presented) => FindKey(presented)?.Role;

    /// <summary>The key's role and a non-secret id (role and position in its list, e.g. "frontend#0") for rate limits and logs.</summary>
    public (string Role, string Id)? FindKey(string presented)
    {
        var byteCount = Encoding.UTF8.GetMaxByteCount(presented.Length);
        Span<byte> buffer = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        var written = Encoding.UTF8.GetBytes(presented, buffer);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer[..written], hash);

        (string Role, string Id)? found = null;
        foreach (var entry in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, entry.Hash))
            {
                found = (entry.Role, entry.Id);
            }
        }
        return found;
    }

    public void Dispose() => _subscription?.Dispose();

    private static (byte[] Hash, string Role, string Id)[] Build(AuthOptions options) =>
    [
        .. options.AdminKeys.Select((key, i) => (Hash(key), ApiKeyRoles.Admin, $"{ApiKeyRoles.Admin}#{i}")),
        .. options.StorefrontKeys.Select((key, i) => (Hash(key), ApiKeyRoles.Storefront, $"{ApiKeyRoles.Storefront}#{i}")),
        .. options.FrontendKeys.Select((key, i) => (Hash(key), ApiKeyRoles.Frontend, $"{ApiKeyRoles.Frontend}#{i}")),
    ];

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
