using Microsoft.Extensions.Options;

namespace SegmentService.Api.Hosting;

/// <summary>API keys by caller kind. Keys are secrets: they are compared in constant time and never logged.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const int MinKeyLength = 16;

    /// <summary>Keys of the storefront backend: events, items, recommend, feedback.</summary>
    public string[] StorefrontKeys { get; set; } = [];

    /// <summary>Keys of ops: everything, including /admin/*, /segments* and /users/*.</summary>
    public string[] AdminKeys { get; set; } = [];

    /// <summary>Public keys shipped in browser code: may only post events and feedback.</summary>
    public string[] FrontendKeys { get; set; } = [];
}

/// <summary>The keys a Development run uses when none are configured; README lists them.</summary>
public static class DevelopmentKeys
{
    public const string Storefront = "dev-storefront-key-0001";
    public const string Admin = "dev-admin-key-0000000001";
    public const string Frontend = "dev-frontend-key-000001";
}

public sealed class AuthOptionsSetup(IHostEnvironment environment) : IPostConfigureOptions<AuthOptions>, IValidateOptions<AuthOptions>
{
    public void PostConfigure(string? name, AuthOptions options)
    {
        if (!environment.IsDevelopment())
        {
            return;
        }
        if (options.StorefrontKeys.Length == 0)
        {
            options.StorefrontKeys = [DevelopmentKeys.Storefront];
        }
        if (options.AdminKeys.Length == 0)
        {
            options.AdminKeys = [DevelopmentKeys.Admin];
        }
        if (options.FrontendKeys.Length == 0)
        {
            options.FrontendKeys = [DevelopmentKeys.Frontend];
        }
    }

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (options.StorefrontKeys.Length == 0)
        {
            failures.Add("Auth:StorefrontKeys must list at least one key outside Development.");
        }
        if (options.AdminKeys.Length == 0)
        {
            failures.Add("Auth:AdminKeys must list at least one key outside Development.");
        }
        var lists = new (string Name, string[] Keys)[]
        {
            ("Auth:StorefrontKeys", options.StorefrontKeys),
            ("Auth:AdminKeys", options.AdminKeys),
            ("Auth:FrontendKeys", options.FrontendKeys),
        };
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (listName, keys) in lists)
        {
            for (var i = 0; i < keys.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(keys[i]) || keys[i].Length < AuthOptions.MinKeyLength)
                {
                    failures.Add($"{listName}:{i} must be at least {AuthOptions.MinKeyLength} characters.");
                }
                else if (owners.TryGetValue(keys[i], out var other) && other != listName)
                {
                    failures.Add($"{listName}:{i} is also listed in {other}; a key has one role.");
                }
                else
                {
                    owners[keys[i]] = listName;
                }
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
