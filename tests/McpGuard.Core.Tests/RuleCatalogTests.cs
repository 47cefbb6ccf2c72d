using System.Text.RegularExpressions;
using McpGuard.Core.Rules;
using McpGuard.TestSupport;

namespace McpGuard.Core.Tests;

public sealed partial class RuleCatalogTests
{
    [Fact]
    public void Catalog_Ids_AreUniqueAndWellFormed()
    {
        var ids = RuleCatalog.All.Select(r => r.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches(IdPattern(), id));
        Assert.Equal(RuleCatalog.All.Count, RuleCatalog.All.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Docs_RulesMd_DocumentsEveryRule()
    {
        var docs = File.ReadAllText(Path.Combine(RepoPaths.Docs, "rules.md"));
        var missing = RuleCatalog.All.Where(r => !docs.Contains($"## {r.Id}", StringComparison.Ordinal)).Select(r => r.Id).ToList();
        Assert.True(missing.Count == 0, "docs/rules.md lacks a '## ID' section for: " + string.Join(", ", missing));
    }

    [Fact]
    public void Catalog_EveryRule_HasDescriptionAndRemediation() =>
        Assert.All(RuleCatalog.All, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Description), r.Id);
            Assert.False(string.IsNullOrWhiteSpace(r.Remediation), r.Id);
        });

    [GeneratedRegex("^MCPG[0-9]{3}$")]
    private static partial Regex IdPattern();
}
