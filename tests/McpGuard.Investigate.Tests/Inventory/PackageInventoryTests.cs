using McpGuard.Investigate.Inventory;

namespace McpGuard.Investigate.Tests.Inventory;

public sealed class PackageInventoryTests
{
    private static InventoryOptions Options(SyntheticInstalls s, params string[] paths) => new()
    {
        Home = s.Home,
        HomeOverridden = true,
        Paths = paths,
    };

    [Fact]
    public void Scan_SyntheticMachine_ListsNpxGlobalNestedScopedAndAliasedPackages()
    {
        using var s = new SyntheticInstalls();

        var result = PackageInventory.Scan(Options(s, s.Project), TestContext.Current.CancellationToken);

        var found = result.Packages.Select(p => $"{p.Root.Kind}:{p.Name}@{p.Version}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            "GlobalNpm:mail-helper@3.1.0",
            "GlobalNpm:postmark-mcp@1.0.15",
            "GlobalNpm:postmark-mcp@1.0.16",
            "NpxCache:@modelcontextprotocol/sdk@1.17.0",
            "NpxCache:@modelcontextprotocol/server-filesystem@2025.8.21",
            "NpxCache:postmark-mcp@1.0.16",
            "Project:@types/node@22.7.4",
            "Project:debug@2.6.9",
            "Project:express@4.21.2",
            "Project:postmark-mcp@1.0.16",
        ], found);
        var nested = result.Packages.Single(p => p is { Name: "postmark-mcp", Version: "1.0.16", Root.Kind: InstallKind.GlobalNpm });
        Assert.Equal("mail-helper", nested.TopLevelFolder);
        Assert.Equal(1, nested.Nesting);
        Assert.Equal(Path.Combine(s.Home, "tools", "npm-global"), nested.Root.Owner);
        var alias = result.Packages.Single(p => p is { Name: "postmark-mcp", Root.Kind: InstallKind.Project });
        Assert.Equal("pm", alias.TopLevelFolder);
        Assert.Equal(s.Project + "/shop", alias.Root.Owner);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Scan_PrefixFromEnvironment_IsReadWhenHomeIsTheUsersOwn()
    {
        using var s = new SyntheticInstalls();
        var prefix = Path.Combine(s.Root, "opt", "node");
        s.Package("opt/node/lib/node_modules/evil-cli", "evil-cli", "1.0.0");
        var env = new Dictionary<string, string> { ["NPM_CONFIG_PREFIX"] = prefix };

        var asUser = PackageInventory.Scan(new InventoryOptions { Home = s.Home, Environment = env.GetValueOrDefault, SystemPrefixes = [] }, TestContext.Current.CancellationToken);
        var asAudit = PackageInventory.Scan(new InventoryOptions { Home = s.Home, HomeOverridden = true, Environment = env.GetValueOrDefault }, TestContext.Current.CancellationToken);

        Assert.Contains(asUser.Packages, p => p.Name == "evil-cli" && p.Root.Owner == prefix);
        // With --home, the running user's environment describes another machine's user and is not read.
        Assert.DoesNotContain(asAudit.Packages, p => p.Name == "evil-cli");
    }

    [Fact]
    public void Scan_NodeOnPath_ItsPrefixIsSearchedLikeNpmPrefixG()
    {
        using var s = new SyntheticInstalls();
        s.Write("opt/node-v20/bin/node-real", "#!/bin/sh\n# synthetic stand-in, never run\n");
        Directory.CreateDirectory(Path.Combine(s.Root, "usr-bin"));
        File.CreateSymbolicLink(Path.Combine(s.Root, "usr-bin", "node"), Path.Combine(s.Root, "opt", "node-v20", "bin", "node-real"));
        s.Package("opt/node-v20/lib/node_modules/tarball-tool", "tarball-tool", "1.2.3");
        var env = new Dictionary<string, string> { ["PATH"] = $"/nonexistent:{Path.Combine(s.Root, "usr-bin")}" };

        var result = PackageInventory.Scan(new InventoryOptions { Home = s.Home, Environment = env.GetValueOrDefault, SystemPrefixes = [] }, TestContext.Current.CancellationToken);

        var tool = Assert.Single(result.Packages, p => p.Name == "tarball-tool");
        Assert.Equal(Path.Combine(s.Root, "opt", "node-v20"), tool.Root.Owner);
    }

    [Fact]
    public void Scan_NvmVoltaAndPnpmGlobals_AreInventoried()
    {
        using var s = new SyntheticInstalls();
        s.Package("home/.nvm/versions/node/v20.11.0/lib/node_modules/nvm-tool", "nvm-tool", "1.0.0");
        s.Package("home/.volta/tools/image/packages/volta-tool/lib/node_modules/volta-tool", "volta-tool", "2.0.0");
        s.Package("home/.local/share/pnpm/global/5/node_modules/.pnpm/pnpm-tool@3.0.0/node_modules/pnpm-tool", "pnpm-tool", "3.0.0");

        var result = PackageInventory.Scan(Options(s), TestContext.Current.CancellationToken);

        Assert.Contains(result.Packages, p => p is { Name: "nvm-tool", Root.Kind: InstallKind.GlobalNpm } && p.Root.Owner.EndsWith("v20.11.0", StringComparison.Ordinal));
        Assert.Contains(result.Packages, p => p is { Name: "volta-tool", Root.Kind: InstallKind.Volta });
        Assert.Contains(result.Packages, p => p is { Name: "pnpm-tool", Root.Kind: InstallKind.GlobalPnpm, InPnpmStore: true });
    }

    [Fact]
    public void Scan_SymlinkLoops_TerminateAndReadEachPackageOnce()
    {
        using var s = new SyntheticInstalls();
        var express = Path.Combine(s.Project, "shop", "node_modules", "express");
        // A dependency folder that links back to the top node_modules' owner package, and a link to itself.
        Directory.CreateSymbolicLink(Path.Combine(express, "node_modules", "loop"), express);
        Directory.CreateSymbolicLink(Path.Combine(s.Project, "shop", "node_modules", "self"), Path.Combine(s.Project, "shop", "node_modules", "self"));
        // pnpm-style: the top level links into the store; the store copy must not be counted again.
        var stored = s.Package("work/shop/node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad", "left-pad", "1.3.0");
        Directory.CreateSymbolicLink(Path.Combine(s.Project, "shop", "node_modules", "left-pad"), stored);

        var result = PackageInventory.Scan(Options(s, s.Project), TestContext.Current.CancellationToken);

        Assert.Single(result.Packages, p => p.Name == "express");
        var leftPad = Assert.Single(result.Packages, p => p.Name == "left-pad");
        Assert.False(leftPad.InPnpmStore); // found first through the top-level link, which is what a person uninstalls
    }

    [Fact]
    public void Scan_TreeDeeperThanTheLimit_IsReportedNotFollowed()
    {
        using var s = new SyntheticInstalls();
        var folder = "work/deep/node_modules/a";
        for (var i = 0; i < 5; i++)
        {
            s.Package(folder, "a", $"1.0.{i}");
            folder += "/node_modules/a";
        }

        var options = Options(s, Path.Combine(s.Project, "deep")) with { Limits = new InventoryLimits { MaxNesting = 2 } };
        var result = PackageInventory.Scan(options, TestContext.Current.CancellationToken);

        Assert.Equal(3, result.Packages.Count(p => p.Name == "a"));
        Assert.Contains(result.Problems, d => d.Message.Contains("deeper than 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Scan_BrokenPackageJson_IsADiagnosticAndTheRestIsStillRead()
    {
        using var s = new SyntheticInstalls();
        var broken = s.Write("work/shop/node_modules/broken/package.json", "{ \"name\": \"broken\", \"version\": ");

        var result = PackageInventory.Scan(Options(s, s.Project), TestContext.Current.CancellationToken);

        Assert.Contains(result.Problems, d => d.File == broken && d.Message.Contains("not readable", StringComparison.Ordinal));
        Assert.Contains(result.Packages, p => p.Name == "express");
    }

    [Fact]
    public void Validate_MissingPath_NamesIt()
    {
        using var s = new SyntheticInstalls();
        var missing = Path.Combine(s.Root, "nope");

        var ex = Assert.Throws<Core.UserInputException>(() => PackageInventory.Scan(Options(s, missing), TestContext.Current.CancellationToken));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }
}
