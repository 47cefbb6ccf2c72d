using McpGuard.TestSupport;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Tests;

public sealed class ResolutionTests
{
    private static DiscoveredServer Server(string command, params string[] args) =>
        new() { Client = "test", ConfigPath = "/x.json", Name = "s", Command = command, Args = args };

    private static ResolvedLaunch Resolve(DiscoveredServer server, string? home = null, bool overridden = true, Func<string, string?>? env = null) =>
        new LaunchResolver(new ResolutionOptions { Home = home ?? "/nonexistent-home", HomeOverridden = overridden, Environment = env ?? (_ => null) }).Resolve(server);

    [Theory]
    [InlineData("npx|-y|postmark-mcp", "postmark-mcp", null, false)]
    [InlineData("npx|--yes|postmark-mcp@1.0.15|--flag", "postmark-mcp", "1.0.15", true)]
    [InlineData("npx|postmark-mcp@latest", "postmark-mcp", "latest", false)]
    [InlineData("npx|-y|postmark-mcp@^1.0.0", "postmark-mcp", "^1.0.0", false)]
    [InlineData("npx|-y|postmark-mcp@~1.0.3", "postmark-mcp", "~1.0.3", false)]
    [InlineData("npx|-y|postmark-mcp@1", "postmark-mcp", "1", false)]
    [InlineData("npx|-y|postmark-mcp@next", "postmark-mcp", "next", false)]
    [InlineData("npx|-y|@scope/srv", "@scope/srv", null, false)]
    [InlineData("npx|-y|@scope/srv@2.1.0-beta.1", "@scope/srv", "2.1.0-beta.1", true)]
    [InlineData("npx|--package=@scope/srv@3.0.0|srv-bin|--port|1", "@scope/srv", "3.0.0", true)]
    [InlineData("npx|-p|tool@1.2.3|tool", "tool", "1.2.3", true)]
    [InlineData("npx|-y|--|pkg@4.5.6", "pkg", "4.5.6", true)]
    [InlineData("npm|exec|--yes|--|pkg@1.0.0", "pkg", "1.0.0", true)]
    [InlineData("npm|x|pkg", "pkg", null, false)]
    [InlineData("pnpm|dlx|pkg@1.0.0", "pkg", "1.0.0", true)]
    [InlineData("yarn|dlx|-p|pkg@2.0.0|pkg", "pkg", "2.0.0", true)]
    [InlineData("bunx|pkg@latest", "pkg", "latest", false)]
    [InlineData("C:\\Program Files\\nodejs\\npx.cmd|-y|pkg@1.0.0", "pkg", "1.0.0", true)]
    [InlineData("cmd|/c|npx|-y|pkg", "pkg", null, false)]
    public void Resolve_NpmRunners_PackageRequestedAndPinned(string commandLine, string name, string? requested, bool pinned)
    {
        var parts = commandLine.Split('|');
        var launch = Resolve(Server(parts[0], parts[1..]));

        Assert.Equal("npx", launch.Kind);
        var p = Assert.IsType<ResolvedPackage>(launch.Package);
        Assert.Equal(("npm", name, requested, pinned), (p.Ecosystem, p.Name, p.Requested, p.Pinned));
        Assert.False(launch.Guarded);
    }

    [Theory]
    [InlineData("uvx|mcp-server-fetch", "pypi", "mcp-server-fetch", null, false)]
    [InlineData("uvx|mcp-server-fetch==2025.1.2", "pypi", "mcp-server-fetch", "2025.1.2", true)]
    [InlineData("uvx|mcp-server-fetch@1.0", "pypi", "mcp-server-fetch", "1.0", true)]
    [InlineData("uvx|--from|mcp-server-git[extra]>=1.0|mcp-server-git", "pypi", "mcp-server-git", ">=1.0", false)]
    [InlineData("uvx|--python|3.12|srv==0.4.0|--opt", "pypi", "srv", "0.4.0", true)]
    [InlineData("pipx|run|srv==1.2.3", "pypi", "srv", "1.2.3", true)]
    [InlineData("pipx|run|--spec|srv==1.2.3|srv-cli", "pypi", "srv", "1.2.3", true)]
    [InlineData("docker|run|-i|--rm|-e|TOKEN|ghcr.io/github/github-mcp-server", "docker", "ghcr.io/github/github-mcp-server", "latest", false)]
    [InlineData("docker|run|-i|--rm|mcp/fetch:1.2", "docker", "mcp/fetch", "1.2", false)]
    [InlineData("docker|run|--env=A=b|localhost:5000/team/img:v1", "docker", "localhost:5000/team/img", "v1", false)]
    [InlineData("podman|run|mcp/x:1@sha256:0f3b1a9c2e7d4f6a8b5c1d3e9f7a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a", "docker", "mcp/x", "sha256:0f3b1a9c2e7d4f6a8b5c1d3e9f7a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a", true)]
    public void Resolve_PythonAndDocker_PackageRequestedAndPinned(string commandLine, string ecosystem, string name, string? requested, bool pinned)
    {
        var parts = commandLine.Split('|');
        var p = Assert.IsType<ResolvedPackage>(Resolve(Server(parts[0], parts[1..])).Package);
        Assert.Equal((ecosystem, name, requested, pinned), (p.Ecosystem, p.Name, p.Requested, p.Pinned));
    }

    [Fact]
    public void Resolve_McpguardRunWrapper_ResolvesInnerCommandAndMarksGuarded()
    {
        var launch = Resolve(Server("/usr/local/bin/mcpguard", "run", "--policy", "p.json", "--sandbox", "auto", "--", "npx", "-y", "pkg@1.0.0"));
        Assert.True(launch.Guarded);
        Assert.Equal("npx", launch.Command);
        Assert.Equal(("pkg", "1.0.0", true), (launch.Package!.Name, launch.Package.Requested, launch.Package.Pinned));

        var viaDotnet = Resolve(Server("dotnet", "tool", "run", "mcpguard", "run", "--", "uvx", "x==1.0.0"));
        Assert.True(viaDotnet.Guarded);
        Assert.Equal("pypi", viaDotnet.Package!.Ecosystem);

        Assert.False(Resolve(Server("mcpguard", "scan")).Guarded);
    }

    [Fact]
    public void Resolve_RemoteAndPlainCommand_HaveNoPackage()
    {
        var remote = Resolve(new DiscoveredServer { Client = "t", ConfigPath = "/c", Name = "r", Url = "https://x/mcp" });
        Assert.Equal("remote", remote.Kind);
        Assert.Null(remote.Package);
        Assert.Equal("command", Resolve(Server("/opt/bin/my-server", "--stdio")).Kind);
    }

    [Fact]
    public void Resolve_UnpinnedNpx_InstalledVersionFromNpxCacheUnderHome()
    {
        using var home = new TempDirectory();
        var pj = home.Write(".npm/_npx/abc123/node_modules/postmark-mcp/package.json", """{ "name": "postmark-mcp", "version": "1.0.16" }""");
        home.Write(".npm/_npx/def456/node_modules/other/package.json", """{ "name": "other", "version": "9.9.9" }""");

        var p = Resolve(Server("npx", "-y", "postmark-mcp"), home.Path).Package!;

        Assert.Equal("1.0.16", p.Version);
        Assert.Equal(pj, p.Installed!.PackageJsonPath);
        Assert.Equal("npx cache", p.Installed.Where);
        Assert.False(p.Pinned);
    }

    [Fact]
    public void Resolve_PinnedNpx_UsesCopyOfThatVersionElseThePin()
    {
        using var home = new TempDirectory();
        home.Write(".npm/_npx/aaa/node_modules/pkg/package.json", """{ "name": "pkg", "version": "2.0.0" }""");
        var pinned15 = home.Write(".npm/_npx/bbb/node_modules/pkg/package.json", """{ "name": "pkg", "version": "1.5.0" }""");

        var p = Resolve(Server("npx", "pkg@1.5.0"), home.Path).Package!;
        Assert.Equal(("1.5.0", pinned15), (p.Version, p.Installed!.PackageJsonPath));
        Assert.Equal(2, p.InstalledCopies.Count);

        var notInstalled = Resolve(Server("npx", "pkg@3.0.0"), home.Path).Package!;
        Assert.Null(notInstalled.Installed);
        Assert.Equal("3.0.0", notInstalled.Version);
    }

    [Fact]
    public void Resolve_NpmCacheEnv_FromServerEnvAlways_FromProcessEnvOnlyWithoutHomeOverride()
    {
        using var home = new TempDirectory();
        using var cache = new TempDirectory("mcpguard-cache");
        cache.Write("_npx/h1/node_modules/pkg/package.json", """{ "name": "pkg", "version": "7.0.0" }""");
        Func<string, string?> env = n => n == "npm_config_cache" ? cache.Path : null;

        Assert.Null(Resolve(Server("npx", "pkg"), home.Path, overridden: true, env).Package!.Version);
        Assert.Equal("7.0.0", Resolve(Server("npx", "pkg"), home.Path, overridden: false, env).Package!.Version);
        var withServerEnv = Server("npx", "pkg") with { Env = new Dictionary<string, string> { ["npm_config_cache"] = cache.Path } };
        Assert.Equal("7.0.0", Resolve(withServerEnv, home.Path).Package!.Version);
    }

    [Fact]
    public void Resolve_GlobalPrefixUnderHome_WinsOverNpxCache()
    {
        using var home = new TempDirectory();
        home.Write(".npm-global/lib/node_modules/pkg/package.json", """{ "name": "pkg", "version": "1.0.0" }""");
        home.Write(".npm/_npx/x/node_modules/pkg/package.json", """{ "name": "pkg", "version": "2.0.0" }""");

        var p = Resolve(Server("npx", "-y", "pkg"), home.Path).Package!;

        Assert.Equal(("1.0.0", "global node_modules"), (p.Version, p.Installed!.Where));
        Assert.Equal(["1.0.0", "2.0.0"], p.InstalledCopies.Select(c => c.Version));
    }

    [Fact]
    public void Resolve_NodeFile_PackageIsNearestPackageJson()
    {
        using var home = new TempDirectory();
        home.Write("servers/mail/package.json", """{ "name": "my-mail-mcp", "version": "0.3.1" }""");
        home.Write("servers/mail/dist/index.js", "// synthetic");
        var server = Server("node", "--enable-source-maps", "dist/index.js") with { WorkingDirectory = Path.Combine(home.Path, "servers", "mail") };

        var launch = Resolve(server, home.Path);

        Assert.Equal("node", launch.Kind);
        Assert.Equal(("npm", "my-mail-mcp", "0.3.1", true), (launch.Package!.Ecosystem, launch.Package.Name, launch.Package.Version, launch.Package.Pinned));

        var bare = Resolve(Server("node", Path.Combine(home.Path, "loose.js")), home.Path);
        Assert.Equal("local", bare.Package!.Ecosystem);
    }
}
