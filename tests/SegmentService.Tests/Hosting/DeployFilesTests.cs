using System.Reflection;
using System.Text.RegularExpressions;
using SegmentService.Api.Hosting;
using YamlDotNet.RepresentationModel;

namespace SegmentService.Tests.Hosting;

/// <summary>
/// No Docker engine runs here, so the deploy files are checked by reading them: docker-compose.yml's services,
/// healthchecks, volumes and environment names against the service's configuration, and the Dockerfiles' users.
/// </summary>
public sealed partial class DeployFilesTests
{
    private static readonly string Root = FindRoot();
    private static readonly YamlMappingNode Compose = LoadCompose();

    [Fact]
    public void ComposeHasPostgresApiAndAProfiledSimulatorWithHealthchecks()
    {
        var services = Map(Compose, "services");
        Assert.Equal(["api", "postgres", "simulator"], services.Children.Keys.Select(k => k.ToString()).Order());
        foreach (var name in new[] { "postgres", "api" })
        {
            var test = (YamlSequenceNode)Map(Map(services, name), "healthcheck").Children[new YamlScalarNode("test")];
            Assert.NotEmpty(test.Children);
        }
        Assert.Contains("pg_isready", Map(Map(services, "postgres"), "healthcheck").Children[new YamlScalarNode("test")].ToString(), StringComparison.Ordinal);
        Assert.Contains("/health/ready", Map(Map(services, "api"), "healthcheck").Children[new YamlScalarNode("test")].ToString(), StringComparison.Ordinal);
        Assert.Equal("service_healthy", Scalar(Map(Map(Map(services, "api"), "depends_on"), "postgres"), "condition"));
        Assert.Equal("service_healthy", Scalar(Map(Map(Map(services, "simulator"), "depends_on"), "api"), "condition"));
        Assert.Equal("simulator", ((YamlSequenceNode)Map(services, "simulator").Children[new YamlScalarNode("profiles")]).Children.Single().ToString());
        Assert.Contains("--url=http://api:8080", Map(services, "simulator").Children[new YamlScalarNode("command")].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DatabaseDataLivesOnANamedVolume()
    {
        var volumes = (YamlSequenceNode)Map(Map(Compose, "services"), "postgres").Children[new YamlScalarNode("volumes")];
        Assert.Contains("pgdata:/var/lib/postgresql/data", volumes.Children.Select(v => v.ToString()));
        Assert.True(Map(Compose, "volumes").Children.ContainsKey(new YamlScalarNode("pgdata")));
    }

    [Fact]
    public void ApiEnvironmentNamesAreSettingsTheServiceReadsAndKeysComeFromTheEnvironment()
    {
        var environment = Map(Map(Map(Compose, "services"), "api"), "environment");
        var sections = typeof(AuthOptions).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string))
            .Where(t => t.Section is not null)
            .ToDictionary(t => t.Section!, t => t.Type, StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in environment.Children)
        {
            var key = keyNode.ToString();
            var parts = key.Split("__");
            if (key == "ASPNETCORE_ENVIRONMENT")
            {
                continue;
            }
            if (parts[0] == "ConnectionStrings")
            {
                Assert.Equal("Postgres", parts[1]);
                continue;
            }
            Assert.True(sections.TryGetValue(parts[0], out var options), $"{key}: no options class binds section '{parts[0]}'");
            Assert.True(options!.GetProperty(parts[1]) is not null, $"{key}: {options.Name} has no property '{parts[1]}'");
        }
        foreach (var secret in new[] { "Auth__StorefrontKeys__0", "Auth__AdminKeys__0" })
        {
            Assert.Matches(RequiredVariable(), environment.Children[new YamlScalarNode(secret)].ToString());
        }
        Assert.Matches(@"Password=\$\{POSTGRES_PASSWORD:\?", environment.Children[new YamlScalarNode("ConnectionStrings__Postgres")].ToString());
    }

    [Fact]
    public void ContainersRunAsTheImagesNonRootUser()
    {
        foreach (var dockerfile in new[] { "src/SegmentService.Api/Dockerfile", "src/SegmentService.Simulator/Dockerfile" })
        {
            var lines = File.ReadAllLines(Path.Combine(Root, dockerfile));
            var lastStage = Array.FindLastIndex(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal));
            var user = lines.Skip(lastStage).LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal));
            Assert.True(user is not null, $"{dockerfile}: the final stage sets no USER");
            Assert.DoesNotMatch(@"^USER\s+(root|0)\b", user);
        }
        Assert.Contains("ASPNETCORE_URLS=http://+:8080", File.ReadAllText(Path.Combine(Root, "src/SegmentService.Api/Dockerfile")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\$\{[A-Z_]+:\?.+\}$")]
    private static partial Regex RequiredVariable();

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string Scalar(YamlMappingNode node, string key) => node.Children[new YamlScalarNode(key)].ToString();

    private static YamlMappingNode LoadCompose()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SegmentService.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("SegmentService.sln not found above the test binaries");
    }
}
