using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>analyze and diff say which files they did not analyse: JSON coverage block, SARIF run properties, a table line.</summary>
public sealed class CoverageCliTests
{
    private static TempDirectory PackageFolder(string version, params (string Path, string Text)[] files)
    {
        var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "package.json"), $$"""{ "name": "ts-pkg", "version": "{{version}}" }""");
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(dir.Path, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }

        return dir;
    }

    [Fact]
    public async Task Analyze_Json_HasCoverageBlockAndLowFinding()
    {
        using var pkg = PackageFolder("1.0.0", ("dist/index.js", "exports.a = 1;"), ("src/index.ts", "export const a: number = 1;"));

        var r = await CliHarness.RunAsync("analyze", pkg.Path, "--format", "json");

        Assert.Equal(0, r.ExitCode);
        var json = JsonNode.Parse(r.Out)!;
        var coverage = Assert.Single(json["coverage"]!.AsArray())!;
        Assert.Equal("ts-pkg@1.0.0", coverage["package"]!.GetValue<string>());
        Assert.Equal(3, coverage["files"]!.GetValue<int>());
        Assert.Equal(1, coverage["analysed"]!.GetValue<int>());
        Assert.Equal(1, coverage["skipped"]!["typescript"]!.GetValue<int>());
        Assert.False(coverage["truncated"]!.GetValue<bool>());
        var finding = json["findings"]!.AsArray().Single(f => f!["ruleId"]!.GetValue<string>() == "MCPG222")!;
        Assert.Equal("low", finding["severity"]!.GetValue<string>());
        Assert.Equal("src/index.ts", finding["location"]!["file"]!.GetValue<string>());
    }

    [Fact]
    public async Task Analyze_Table_HasCoverageLine()
    {
        using var pkg = PackageFolder("1.0.0", ("index.js", "exports.a = 1;"), ("lib/a.mts", "export const a = 1;"));

        var r = await CliHarness.RunAsync("analyze", pkg.Path);

        Assert.Contains("Coverage: ts-pkg@1.0.0: 1 JavaScript file(s) analysed of 3 file(s) read; not analysed: 1 typescript", r.Out, StringComparison.Ordinal);
        Assert.Contains("MCPG222", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_FullyAnalysedPackage_CoverageSaysNothingSkipped()
    {
        using var pkg = PackageFolder("1.0.0", ("index.js", "exports.a = 1;"));

        var r = await CliHarness.RunAsync("analyze", pkg.Path, "--format", "json");

        var json = JsonNode.Parse(r.Out)!;
        Assert.Empty(json["coverage"]![0]!["skipped"]!.AsObject());
        Assert.DoesNotContain(json["findings"]!.AsArray(), f => f!["ruleId"]!.GetValue<string>() == "MCPG222");
    }

    [Fact]
    public async Task Diff_Json_HasCoverageOfBothVersionsAndTheNewVersionsFinding()
    {
        using var oldPkg = PackageFolder("1.0.0", ("index.js", "exports.a = 1;"));
        using var newPkg = PackageFolder("1.0.1", ("index.js", "exports.a = 2;"), ("src/new.ts", "export const b = 1;"));

        var r = await CliHarness.RunAsync("diff", oldPkg.Path, newPkg.Path, "--format", "json");

        Assert.Equal(0, r.ExitCode);
        var json = JsonNode.Parse(r.Out)!;
        Assert.Equal(["ts-pkg@1.0.0", "ts-pkg@1.0.1"], json["coverage"]!.AsArray().Select(c => c!["package"]!.GetValue<string>()).ToArray());
        Assert.Equal(1, json["coverage"]![1]!["skipped"]!["typescript"]!.GetValue<int>());
        var finding = json["findings"]!.AsArray().Single(f => f!["ruleId"]!.GetValue<string>() == "MCPG222")!;
        Assert.Contains("not part of this diff", finding["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("ok", json["verdict"]!["decision"]!.GetValue<string>());
    }

    [Fact]
    public async Task Diff_SarifAndTable_CarryCoverage()
    {
        using var oldPkg = PackageFolder("1.0.0", ("index.js", "exports.a = 1;"), ("cli.sh", "echo"));
        using var newPkg = PackageFolder("1.0.1", ("index.js", "exports.a = 1;"), ("cli.sh", "echo"));

        var sarif = await CliHarness.RunAsync("diff", oldPkg.Path, newPkg.Path, "--format", "sarif");
        var table = await CliHarness.RunAsync("diff", oldPkg.Path, newPkg.Path);

        var coverage = JsonNode.Parse(sarif.Out)!["runs"]![0]!["properties"]!["coverage"]!.AsArray();
        Assert.Equal(2, coverage.Count);
        Assert.Equal(1, coverage[1]!["skipped"]!["other-script"]!.GetValue<int>());
        Assert.Contains("Coverage: ts-pkg@1.0.0:", table.Out, StringComparison.Ordinal);
        Assert.Contains("Coverage: ts-pkg@1.0.1:", table.Out, StringComparison.Ordinal);
    }
}
