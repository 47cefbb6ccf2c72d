using McpGuard.Core;
using McpGuard.TestSupport;
using McpGuard.Verify.Discovery;

namespace McpGuard.Verify.Tests;

public sealed class DiscoveryTests
{
    private static DiscoveryResult Discover(TempDirectory home, Func<DiscoveryOptions, DiscoveryOptions>? tweak = null)
    {
        var options = new DiscoveryOptions { Home = home.Path, HomeOverridden = true };
        return ConfigDiscovery.Discover(tweak is null ? options : tweak(options), cancellationToken: TestContext.Current.CancellationToken);
    }

    private const string OneServer = """
        {
          "mcpServers": {
            "srv": { "command": "npx", "args": ["-y", "some-mcp"] }
          }
        }
        """;

    [Theory]
    [InlineData("Library/Application Support/Claude/claude_desktop_config.json", "claude-desktop")]
    [InlineData("AppData/Roaming/Claude/claude_desktop_config.json", "claude-desktop")]
    [InlineData(".config/Claude/claude_desktop_config.json", "claude-desktop")]
    [InlineData(".cursor/mcp.json", "cursor")]
    [InlineData(".codeium/windsurf/mcp_config.json", "windsurf")]
    [InlineData(".gemini/settings.json", "gemini-cli")]
    [InlineData(".kiro/settings/mcp.json", "kiro")]
    [InlineData(".claude.json", "claude-code")]
    public void Discover_McpServersFileAtClientPath_FindsServerWithClientAndLine(string relative, string client)
    {
        using var home = new TempDirectory();
        var path = home.Write(relative, OneServer);

        var result = Discover(home);

        var s = Assert.Single(result.Servers);
        Assert.Equal(client, s.Client);
        Assert.Equal(path, s.ConfigPath);
        Assert.Equal("srv", s.Name);
        Assert.Equal("npx", s.Command);
        Assert.Equal(["-y", "some-mcp"], s.Args);
        Assert.Equal(3, s.Line);
        Assert.Empty(result.Diagnostics);
    }

    [Theory]
    [InlineData(".config/Code/User", "vscode")]
    [InlineData("Library/Application Support/Code/User", "vscode")]
    [InlineData("AppData/Roaming/Code - Insiders/User", "vscode-insiders")]
    [InlineData(".config/Code - Insiders/User", "vscode-insiders")]
    public void Discover_VsCodeSettingsAndMcpJson_ReadsJsoncBothShapes(string userDir, string client)
    {
        using var home = new TempDirectory();
        home.Write(userDir + "/settings.json", """
            {
              // JSONC: comments and trailing commas are allowed by VS Code
              "editor.tabSize": 2,
              "mcp.servers": { "flat": { "command": "uvx", "args": ["mcp-server-time"], }, },
              "mcp": {
                "servers": {
                  "nested": { "type": "http", "url": "https://example.com/mcp" },
                },
              },
            }
            """);
        home.Write(userDir + "/mcp.json", """
            {
              /* user mcp.json */
              "servers": {
                "fromMcpJson": { "command": "node", "args": ["/opt/x/index.js"] },
              },
              "inputs": []
            }
            """);
        home.Write(userDir + "/profiles/abc123/mcp.json", """{ "servers": { "inProfile": { "command": "npx", "args": ["p"] } } }""");

        var result = Discover(home);

        Assert.Empty(result.Diagnostics);
        Assert.All(result.Servers, s => Assert.Equal(client, s.Client));
        var byName = result.Servers.ToDictionary(s => s.Name);
        Assert.Equal(["flat", "fromMcpJson", "inProfile", "nested"], byName.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("https://example.com/mcp", byName["nested"].Url);
        Assert.Equal("http", byName["nested"].Transport);
        Assert.Equal(4, byName["flat"].Line);
        Assert.Equal(7, byName["nested"].Line);
        Assert.Equal(4, byName["fromMcpJson"].Line);
    }

    [Fact]
    public void Discover_WindsurfServerUrlAndGeminiHttpUrl_AreRemoteUrls()
    {
        using var home = new TempDirectory();
        home.Write(".codeium/windsurf/mcp_config.json", """{ "mcpServers": { "w": { "serverUrl": "https://w.example/mcp" } } }""");
        home.Write(".gemini/settings.json", """
            {
              // Gemini CLI strips comments
              "mcpServers": { "g": { "httpUrl": "http://g.example/mcp", "headers": { "Authorization": "Bearer x" } } }
            }
            """);

        var result = Discover(home);

        Assert.Empty(result.Diagnostics);
        Assert.Equal("https://w.example/mcp", result.Servers.Single(s => s.Name == "w").Url);
        var g = result.Servers.Single(s => s.Name == "g");
        Assert.Equal("http://g.example/mcp", g.Url);
        Assert.Equal("Bearer x", g.Headers["Authorization"]);
    }

    [Fact]
    public void Discover_ClaudeCodeProjects_ReadsProjectServersAndProjectFilesOfEveryClient()
    {
        using var home = new TempDirectory();
        var project = Path.Combine(home.Path, "work", "app");
        var outside = new TempDirectory("mcpguard-outside");
        using var _ = outside;
        home.Write(".claude.json", $$"""
            {
              "projects": {
                "{{project}}": {
                  "mcpServers": { "projScoped": { "command": "npx", "args": ["-y", "a"] } }
                },
                "{{outside.Path}}": {},
                "/no/such/folder/anywhere": { "mcpServers": { "ghost": { "command": "x" } } }
              },
              "mcpServers": { "top": { "command": "npx", "args": ["b@1.0.0"] } }
            }
            """);
        home.Write("work/app/.mcp.json", """{ "mcpServers": { "dotMcp": { "command": "node", "args": ["s.js"] } } }""");
        home.Write("work/app/.cursor/mcp.json", """{ "mcpServers": { "cursorProj": { "command": "npx", "args": ["c"] } } }""");
        home.Write("work/app/.vscode/mcp.json", """{ "servers": { "vscodeProj": { "command": "npx", "args": ["d"] } } }""");
        outside.Write(".mcp.json", """{ "mcpServers": { "outsideProj": { "command": "npx", "args": ["e"] } } }""");

        var result = Discover(home);

        Assert.Empty(result.Diagnostics);
        var names = result.Servers.Select(s => $"{s.Client}:{s.Name}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["claude-code:dotMcp", "claude-code:ghost", "claude-code:outsideProj", "claude-code:projScoped", "claude-code:top", "cursor:cursorProj", "vscode:vscodeProj"],
            names);
        Assert.Equal(project, result.Servers.Single(s => s.Name == "projScoped").ProjectPath);
        Assert.Equal(project, result.Servers.Single(s => s.Name == "vscodeProj").ProjectPath);
        Assert.Equal(4, result.Servers.Single(s => s.Name == "projScoped").Line);
        Assert.Equal(9, result.Servers.Single(s => s.Name == "top").Line);
    }

    [Fact]
    public void Discover_ManagedFile_ReadFromSystemRootOnly()
    {
        using var home = new TempDirectory();
        using var system = new TempDirectory("mcpguard-sys");
        system.Write("etc/claude-code/managed-mcp.json", """{ "mcpServers": { "managed": { "command": "npx", "args": ["m@2.0.0"] } } }""");

        Assert.Empty(Discover(home).Servers);
        var withSystem = Discover(home, o => o with { SystemRoot = system.Path });
        Assert.Equal("managed", Assert.Single(withSystem.Servers).Name);
    }

    [Fact]
    public void Discover_CodexToml_ReadsMcpServersTables()
    {
        using var home = new TempDirectory();
        var path = home.Write(".codex/config.toml", """
            model = "o4-mini"

            [mcp_servers.docs]
            command = "npx"
            args = ["-y", "docs-mcp@1.2.3"]
            env = { "DOCS_TOKEN" = "abc" }

            [mcp_servers."remote one"]
            url = "https://r.example/mcp"
            http_headers = { "X-Api-Key" = "k" }
            """);

        var result = Discover(home);

        Assert.Empty(result.Diagnostics);
        var docs = result.Servers.Single(s => s.Name == "docs");
        Assert.Equal(("codex", path, "npx", 3), (docs.Client, docs.ConfigPath, docs.Command, docs.Line));
        Assert.Equal(["-y", "docs-mcp@1.2.3"], docs.Args);
        Assert.Equal("abc", docs.Env["DOCS_TOKEN"]);
        var remote = result.Servers.Single(s => s.Name == "remote one");
        Assert.Equal("https://r.example/mcp", remote.Url);
        Assert.Equal(8, remote.Line);
        Assert.Equal("k", remote.Headers["X-Api-Key"]);
    }

    [Fact]
    public void Discover_CodexHomeEnv_UsedOnlyWithoutHomeOverride()
    {
        using var home = new TempDirectory();
        using var codexHome = new TempDirectory("mcpguard-codex");
        codexHome.Write("config.toml", "[mcp_servers.x]\ncommand = \"uvx\"\nargs = [\"y\"]\n");
        Func<string, string?> env = n => n == "CODEX_HOME" ? codexHome.Path : null;

        Assert.Empty(Discover(home, o => o with { Environment = env }).Servers);
        Assert.Single(Discover(home, o => o with { Environment = env, HomeOverridden = false }).Servers);
    }

    [Fact]
    public void Discover_BrokenFiles_DiagnosticNamesFileAndLine_AndScanGoesOn()
    {
        using var home = new TempDirectory();
        var cursor = home.Write(".cursor/mcp.json", "{\n  \"mcpServers\": {\n    \"a\": { \"command\": \"npx\" }\n    \"b\": { \"command\": \"npx\" }\n  }\n}\n");
        var desktop = home.Write(".config/Claude/claude_desktop_config.json", "{\n  // comments are not JSON\n  \"mcpServers\": {}\n}\n");
        var codex = home.Write(".codex/config.toml", "[mcp_servers.x]\ncommand = \"npx\"\nargs = [\"unterminated\n");
        var dup = home.Write(".kiro/settings/mcp.json", "{ \"mcpServers\": { \"d\": {\"command\": \"a\"}, \"d\": {\"command\": \"b\"} } }");
        home.Write(".gemini/settings.json", """{ "mcpServers": { "good": { "command": "npx", "args": ["ok@1.0.0"] }, "bad": "not an object" } }""");

        var result = Discover(home);

        Assert.Equal("good", Assert.Single(result.Servers).Name);
        var byFile = result.Diagnostics.ToLookup(d => d.File);
        Assert.Equal(4, Assert.Single(byFile[cursor]).Line);
        var d2 = Assert.Single(byFile[desktop]);
        Assert.Equal(2, d2.Line);
        Assert.Contains("does not accept comments", d2.Message, StringComparison.Ordinal);
        Assert.Equal(3, Assert.Single(byFile[codex]).Line);
        Assert.Single(byFile[dup]);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("'bad' is not an object", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a.json", """{ "mcpServers": { "s": { "command": "npx" } } }""")]
    [InlineData("b.json", """{ "servers": { "s": { "command": "npx" } } }""")]
    [InlineData("c.json", """{ "mcp.servers": { "s": { "command": "npx" } } }""")]
    [InlineData("d.json", """{ "mcp": { "servers": { "s": { "command": "npx" } } } }""")]
    [InlineData("e.json", """{ /* plugin style */ "s": { "command": "npx", }, }""")]
    [InlineData("f.toml", "[mcp_servers.s]\ncommand = \"npx\"\n")]
    public void Discover_ExtraConfig_DetectsShape(string file, string text)
    {
        using var home = new TempDirectory();
        using var elsewhere = new TempDirectory("mcpguard-cfg");
        var path = elsewhere.Write(file, text);

        var result = Discover(home, o => o with { ExtraConfigs = [path] });

        var s = Assert.Single(result.Servers);
        Assert.Equal(("config", "s", "npx", path), (s.Client, s.Name, s.Command, s.ConfigPath));
        Assert.Equal([path], result.ConfigFilesRead);
    }

    [Fact]
    public void Discover_ExtraConfigWithNoServers_IsADiagnostic()
    {
        using var home = new TempDirectory();
        var path = home.Write("x/other.json", """{ "hello": 1 }""");
        var result = Discover(home, o => o with { ExtraConfigs = [path] });
        Assert.Empty(result.Servers);
        Assert.Equal(path, Assert.Single(result.Diagnostics).File);
    }

    [Fact]
    public void Discover_ConfigOverTheSizeLimit_IsADiagnosticNamingTheLimit_AndNotRead()
    {
        using var home = new TempDirectory();
        var path = home.Write("x/big.json", OneServer + new string(' ', 2048));
        var result = ConfigDiscovery.Discover(
            new DiscoveryOptions { Home = home.Path, HomeOverridden = true, ExtraConfigs = [path] },
            new DiscoveryLimits { MaxConfigBytes = 1024 },
            TestContext.Current.CancellationToken);

        Assert.Empty(result.Servers);
        Assert.Empty(result.ConfigFilesRead);
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal((path, "larger than 1 KiB, refusing to read it, so its servers were not checked"), (problem.File, problem.Message));
    }

    [Fact]
    public void Validate_MissingHomeOrConfig_ThrowsNamingIt()
    {
        using var home = new TempDirectory();
        var missing = Path.Combine(home.Path, "nope");
        var ex = Assert.Throws<UserInputException>(() => new DiscoveryOptions { Home = missing }.Validate());
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
        var ex2 = Assert.Throws<UserInputException>(() => new DiscoveryOptions { Home = home.Path, ExtraConfigs = [missing + ".json"] }.Validate());
        Assert.Contains(missing + ".json", ex2.Message, StringComparison.Ordinal);
    }
}
