using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Packages;

namespace McpGuard.Verify.Tests;

/// <summary>Builds in-memory packages from source text so rule tests need no disk.</summary>
internal static class JavaScriptTestSupport
{
    public static LoadedPackage Package(string js, string? manifest = null, string file = "index.js") => new()
    {
        Name = "fixture",
        Version = "1.0.0",
        Origin = "memory",
        Files = [new PackageFile(file, Encoding.UTF8.GetBytes(js))],
        Manifest = manifest is null ? null : (JsonObject)JsonNode.Parse(manifest)!,
    };

    public static PackageAnalysis Analyze(string js, string? manifest = null) =>
        new PackageAnalyzer().Analyze(Package(js, manifest), TestContext.Current.CancellationToken);

    public static IReadOnlyList<Finding> With(this PackageAnalysis analysis, string ruleId) =>
        analysis.Findings.Where(f => f.RuleId == ruleId).ToList();

    /// <summary>The shared corpus (../shared/corpus beside the repository, or $MCPGUARD_CORPUS for a worktree elsewhere).</summary>
    public static string Corpus
    {
        get
        {
            var path = Directory.Exists(McpGuard.TestSupport.RepoPaths.Corpus)
                ? McpGuard.TestSupport.RepoPaths.Corpus
                : Environment.GetEnvironmentVariable("MCPGUARD_CORPUS");
            Assert.True(path is not null && Directory.Exists(path),
                $"The shared corpus is missing: expected {McpGuard.TestSupport.RepoPaths.Corpus} or MCPGUARD_CORPUS.");
            return path!;
        }
    }

    public static string FixturePath(string name) =>
        Path.Combine(McpGuard.TestSupport.RepoPaths.Fixtures, "postmark-synthetic", name);

    public static PackageAnalysis AnalyzeFixture(string name) =>
        new PackageAnalyzer().Analyze(new PackageLoader(null).FromDirectory(FixturePath(name)), TestContext.Current.CancellationToken);
}
