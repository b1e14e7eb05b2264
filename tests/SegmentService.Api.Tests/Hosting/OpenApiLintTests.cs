using System.Diagnostics;
using System.Text.Json;
using SegmentService.Api.Tests.Infrastructure;

namespace SegmentService.Api.Tests.Hosting;

/// <summary>Marks a test that needs Redocly CLI; without it the test is skipped, saying why.</summary>
public sealed class RedoclyFactAttribute : FactAttribute
{
    public const string EnvironmentVariable = "SEGMENTSERVICE_REDOCLY";

    public RedoclyFactAttribute()
    {
        if (Locate() is null)
        {
            Skip = $"Redocly CLI not found: scripts/test.sh installs @redocly/cli from npm into .tools/ and sets {EnvironmentVariable}; " +
                "it could not here (no npm or no registry).";
        }
    }

    public static string? Locate() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path && File.Exists(path) ? path : null;
}

public sealed class OpenApiLintTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [RedoclyFact]
    public async Task OpenApiDocumentPassesRedoclyRecommendedRulesWithoutErrorsOrWarnings()
    {
        var document = await factory.ClientWithKey(null).GetStringAsync("/swagger/v1/swagger.json");
        var dir = Directory.CreateTempSubdirectory("ss-openapi-").FullName;
        try
        {
            var file = Path.Combine(dir, "openapi.json");
            await File.WriteAllTextAsync(file, document);
            var start = new ProcessStartInfo(RedoclyFactAttribute.Locate()!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = dir,
            };
            start.ArgumentList.Add("lint");
            start.ArgumentList.Add(file);
            start.ArgumentList.Add("--extends=recommended");
            start.ArgumentList.Add("--format=json");
            start.Environment["REDOCLY_TELEMETRY"] = "off";
            start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var json = await output;
            Assert.True(json.TrimStart().StartsWith('{'), $"redocly printed no JSON report: {json} {await errors}");
            using var report = JsonDocument.Parse(json);
            var totals = report.RootElement.GetProperty("totals");
            var problems = string.Join("\n", report.RootElement.GetProperty("problems").EnumerateArray().Select(Describe));
            Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0, problems);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Describe(JsonElement problem)
    {
        var where = string.Join(",", problem.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString()));
        return $"{problem.GetProperty("severity")} {problem.GetProperty("ruleId")}: {problem.GetProperty("message")} at {where}";
    }

    [Fact]
    public async Task EveryOperationHasASummaryADescriptionAnIdAndItsErrorResponses()
    {
        using var document = JsonDocument.Parse(await factory.ClientWithKey(null).GetStringAsync("/swagger/v1/swagger.json"));
        var root = document.RootElement;
        Assert.True(root.GetProperty("servers").GetArrayLength() > 0);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("info").GetProperty("license").GetProperty("name").GetString()));
        Assert.All(root.GetProperty("tags").EnumerateArray(), t => Assert.False(string.IsNullOrEmpty(t.GetProperty("description").GetString())));
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                Assert.True(operation.Value.TryGetProperty("summary", out _), $"{name} has no summary");
                Assert.True(operation.Value.TryGetProperty("description", out _), $"{name} has no description");
                Assert.True(operation.Value.TryGetProperty("operationId", out _), $"{name} has no operationId");
                var responses = operation.Value.GetProperty("responses");
                if (operation.Value.TryGetProperty("security", out _))
                {
                    Assert.True(responses.TryGetProperty("401", out _), $"{name} does not document 401");
                }
                if (operation.Value.TryGetProperty("parameters", out var parameters) && parameters.GetArrayLength() > 0
                    || operation.Value.TryGetProperty("requestBody", out _))
                {
                    Assert.True(responses.TryGetProperty("400", out _), $"{name} takes input but does not document 400");
                }
            }
        }
    }

    [Fact]
    public async Task EveryOperationShowsAnExampleOfItsBodyAndOfItsAnswer()
    {
        using var document = JsonDocument.Parse(await factory.ClientWithKey(null).GetStringAsync("/swagger/v1/swagger.json"));
        var root = document.RootElement;
        var schemas = root.GetProperty("components").GetProperty("schemas");
        var missing = new List<string>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                if (operation.Value.TryGetProperty("requestBody", out var body) && MissingExampleIn(body, schemas) is { } inBody)
                {
                    missing.Add($"{name}: request body {inBody}");
                }
                foreach (var response in operation.Value.GetProperty("responses").EnumerateObject())
                {
                    if (response.Name.StartsWith('2') && response.Value.TryGetProperty("content", out _)
                        && MissingExampleIn(response.Value, schemas) is { } inAnswer)
                    {
                        missing.Add($"{name}: {response.Name} answer {inAnswer}");
                    }
                }
            }
        }
        Assert.True(missing.Count == 0, "No example for: " + string.Join("; ", missing));
    }

    private static string? MissingExampleIn(JsonElement holder, JsonElement schemas)
    {
        foreach (var media in holder.GetProperty("content").EnumerateObject())
        {
            if (media.Value.TryGetProperty("example", out _) || media.Value.TryGetProperty("examples", out _))
            {
                continue;
            }
            if (!media.Value.TryGetProperty("schema", out var schema))
            {
                return media.Name;
            }
            if (MissingExample(schema, schemas, "", 0) is { } path)
            {
                return path.Length == 0 ? "(schema)" : path;
            }
        }
        return null;
    }

    /// <summary>Null when the schema shows an example: its own, or one for every property (or its items); else where one is missing.</summary>
    private static string? MissingExample(JsonElement schema, JsonElement schemas, string at, int depth)
    {
        if (schema.TryGetProperty("example", out _) || schema.TryGetProperty("examples", out _))
        {
            return null;
        }
        if (depth > 8)
        {
            return at;
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return MissingExample(schemas.GetProperty(name), schemas, at.Length == 0 ? name : at, depth + 1);
        }
        if (schema.TryGetProperty("items", out var items))
        {
            return MissingExample(items, schemas, at + "[]", depth + 1);
        }
        foreach (var combinator in new[] { "allOf", "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(combinator, out var parts))
            {
                return parts.EnumerateArray().Select(p => MissingExample(p, schemas, at, depth + 1)).FirstOrDefault(m => m is not null);
            }
        }
        if (schema.TryGetProperty("properties", out var properties))
        {
            return properties.EnumerateObject().Select(p => MissingExample(p.Value, schemas, $"{at}.{p.Name}", depth + 1)).FirstOrDefault(m => m is not null);
        }
        if (schema.TryGetProperty("additionalProperties", out var values) && values.ValueKind == JsonValueKind.Object)
        {
            return MissingExample(values, schemas, at + "{}", depth + 1);
        }
        return at;
    }
}
