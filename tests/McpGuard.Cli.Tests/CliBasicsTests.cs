using System.Text.Json.Nodes;

namespace McpGuard.Cli.Tests;

public sealed class CliBasicsTests
{
    [Fact]
    public async Task Run_UnknownOption_ExitsTwoWithOneLine()
    {
        var r = await CliHarness.RunAsync("rules", "--no-such-flag");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--no-such-flag", r.Error);
        Assert.Single(r.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Run_UnknownCommand_ExitsTwo()
    {
        var r = await CliHarness.RunAsync("frobnicate");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("frobnicate", r.Error);
    }

    [Fact]
    public async Task Rules_Json_ListsEveryCatalogRule()
    {
        var r = await CliHarness.RunAsync("rules", "--json");
        Assert.Equal(0, r.ExitCode);
        var ids = JsonNode.Parse(r.Out)!.AsArray().Select(n => (string?)n!["id"]).ToList();
        Assert.Equal(Core.Rules.RuleCatalog.All.Select(x => x.Id), ids);
    }

    [Fact]
    public async Task Help_EveryCommand_HasDescription()
    {
        using var stdout = new StringWriter();
        var root = CliApp.BuildRoot(CliContext.ForWriters(stdout, new StringWriter()));
        Assert.NotEmpty(root.Subcommands);
        Assert.All(root.Subcommands, c => Assert.False(string.IsNullOrWhiteSpace(c.Description), c.Name));
        var r = await CliHarness.RunAsync("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("rules", r.Out);
    }
}

public sealed class CliSecretEchoTests
{
    [Fact]
    public async Task Run_MistypedOptionFollowedBySecret_DoesNotEchoTheSecret()
    {
        var r = await CliHarness.RunAsync("rules", "--jsn", "pm-SUPERSECRET-123");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--jsn", r.Error);
        Assert.DoesNotContain("pm-SUPERSECRET-123", r.Error + r.Out);
    }
}
