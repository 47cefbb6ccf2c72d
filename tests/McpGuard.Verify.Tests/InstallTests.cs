using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.Core.Intel;
using McpGuard.TestSupport;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Install;
using McpGuard.Verify.Scan;
using Microsoft.Extensions.Time.Testing;

namespace McpGuard.Verify.Tests;

public sealed class InstallTests
{
    internal static InstallResult Run(TempDirectory home, string client, bool undo) =>
        GuardInstaller.Run(client, new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, undo, "mcpguard", new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero)));

    /// <summary>Scans <paramref name="home"/> as a user would; every server but "remote" must be guarded and "pm" still resolve to postmark-mcp.</summary>
    private static IEnumerable<string> ScanSeesGuardedExceptRemote(TempDirectory home)
    {
        var scanned = ConfigScanner.Scan(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, IntelDatabase.BuiltIn, TestContext.Current.CancellationToken).Report;
        Assert.All(scanned.Servers.Where(s => s.Name != "remote"), s => Assert.True(s.Guarded, s.Name));
        Assert.Equal("postmark-mcp", scanned.Servers.Single(s => s.Name == "pm").Package!.Name);
        return scanned.Servers.Select(s => s.Name).Order().ToList();
    }

    /// <summary>The file parsed as the clients read it: JSONC, whose comments install now keeps.</summary>
    internal static JsonNode Jsonc(string path) =>
        JsonNode.Parse(File.ReadAllText(path), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!;

    private static void SecondInstallChangesNothing(TempDirectory home, string client, string path)
    {
        var before = File.ReadAllBytes(path);
        var second = Run(home, client, undo: false);
        Assert.Empty(second.Changes);
        Assert.Empty(second.Backups);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    private const string Original = """
        {
          // user comment
          "mcpServers": {
            "pm": { "command": "npx", "args": ["-y", "postmark-mcp@1.0.15"], "env": { "T": "${env:T}" } },
            "win": { "command": "cmd", "args": ["/c", "npx", "-y", "x@1.0.0"] },
            "remote": { "url": "https://r.example/mcp" },
            "already": { "command": "mcpguard", "args": ["run", "--", "uvx", "y==1.0.0"] }
          }
        }
        """;

    [Fact]
    public void Install_WrapsStdioServers_BacksUp_IsIdempotent_AndUndoRestores()
    {
        using var home = new TempDirectory();
        var path = home.Write(".cursor/mcp.json", Original);

        var first = Run(home, "cursor", undo: false);

        Assert.Equal(["pm", "win"], first.Changes.Select(c => c.Server));
        var backup = Assert.Single(first.Backups);
        Assert.Equal(Original, File.ReadAllText(backup));
        ScanSeesGuardedExceptRemote(home);
        Assert.Contains("// user comment", File.ReadAllText(path), StringComparison.Ordinal);
        var pm = Jsonc(path)["mcpServers"]!["pm"]!;
        Assert.Equal("${env:T}", (string?)pm["env"]!["T"]);
        Assert.Equal(["run", "--pass-env", "T", "--", "npx", "-y", "postmark-mcp@1.0.15"], pm["args"]!.AsArray().Select(a => (string?)a));

        SecondInstallChangesNothing(home, "cursor", path);

        var undo = Run(home, "cursor", undo: true);
        Assert.Equal(["pm", "win", "already"], undo.Changes.Select(c => c.Server));
        // The comment and the one-line entries come back byte for byte; "already" (guarded before) is unwrapped in place.
        Assert.Equal(
            Original.Replace("""{ "command": "mcpguard", "args": ["run", "--", "uvx", "y==1.0.0"] }""", """{ "command": "uvx", "args": ["y==1.0.0"] }""", StringComparison.Ordinal),
            File.ReadAllText(path));
        var servers = Jsonc(path)["mcpServers"]!;
        Assert.Equal("npx", (string?)servers["pm"]!["command"]);
        Assert.Equal(["-y", "postmark-mcp@1.0.15"], servers["pm"]!["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(["/c", "npx", "-y", "x@1.0.0"], servers["win"]!["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("uvx", (string?)servers["already"]!["command"]);
        Assert.Empty(Run(home, "cursor", undo: true).Changes);
    }

    [Fact]
    public void Install_ClaudeCode_WrapsLocalScopeServersUnderProjects_Too_AndUndoRestores()
    {
        // `claude mcp add` writes to the default "local" scope: ~/.claude.json, "projects".PATH."mcpServers".
        using var home = new TempDirectory();
        var path = home.Write(".claude.json", """
            {
              "numStartups": 12,
              "mcpServers": { "pm": { "command": "npx", "args": ["-y", "postmark-mcp@1.0.15"] } },
              "projects": {
                "/work/app": { "allowedTools": [], "mcpServers": { "local-db": { "type": "stdio", "command": "npx", "args": ["-y", "db-mcp@2.0.0"] } } },
                "/work/site": { "mcpServers": { "remote": { "type": "http", "url": "https://r.example/mcp" } } }
              }
            }
            """);

        var first = Run(home, "claude-code", undo: false);

        Assert.Equal(["pm", "local-db"], first.Changes.Select(c => c.Server));
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        var local = root["projects"]!["/work/app"]!["mcpServers"]!["local-db"]!;
        Assert.Equal("mcpguard", (string?)local["command"]);
        Assert.Equal(["run", "--", "npx", "-y", "db-mcp@2.0.0"], local["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(12, (int)root["numStartups"]!);
        Assert.Equal(["local-db", "pm", "remote"], ScanSeesGuardedExceptRemote(home));
        SecondInstallChangesNothing(home, "claude-code", path);

        var undo = Run(home, "claude-code", undo: true);
        Assert.Equal(["pm", "local-db"], undo.Changes.Select(c => c.Server));
        local = JsonNode.Parse(File.ReadAllText(path))!["projects"]!["/work/app"]!["mcpServers"]!["local-db"]!;
        Assert.Equal("npx", (string?)local["command"]);
        Assert.Equal(["-y", "db-mcp@2.0.0"], local["args"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public void Install_BrokenFileOrUnsupportedClient_LeavesFilesAlone()
    {
        using var home = new TempDirectory();
        var path = home.Write(".config/Claude/claude_desktop_config.json", "{ \"mcpServers\": { ");

        var result = Run(home, "claude-desktop", undo: false);

        Assert.Empty(result.Changes);
        Assert.Contains(result.Notes, n => n.Contains(path, StringComparison.Ordinal));
        Assert.Equal("{ \"mcpServers\": { ", File.ReadAllText(path));
        var ex = Assert.Throws<UserInputException>(() => Run(home, "zed", undo: false));
        Assert.Contains("zed", ex.Message, StringComparison.Ordinal);
    }

    private const string CodexOriginal = """
        # Codex settings: this comment must survive
        model = "o4-mini"

        [mcp_servers]
        inline = { command = "uvx", args = ["y==1.0.0"] } # inline entry

        [mcp_servers.pm] # postmark
        command = "npx"   # the runner
        args = [
          "-y",            # yes to npx
          'postmark-mcp@1.0.15',
        ]
        env = { POSTMARK_TOKEN = "${POSTMARK_TOKEN}" }

        [mcp_servers.remote]
        url = "https://r.example/mcp"

        [profiles.fast]
        model = "o4-mini"   # untouched
        """;

    // Only the three spliced values differ; every other byte (comments, quoting, spacing) is the original's.
    private static readonly string CodexInstalled = CodexOriginal
        .Replace("""command = "uvx", args = [""", """command = "mcpguard", args = ["run", "--", "uvx", """, StringComparison.Ordinal)
        .Replace("""command = "npx"   #""", """command = "mcpguard"   #""", StringComparison.Ordinal)
        .Replace("""  "-y",            #""", """  "run", "--pass-env", "POSTMARK_TOKEN", "--", "npx", "-y",            #""", StringComparison.Ordinal);

    [Fact]
    public void Install_Codex_SplicesOnlyCommandAndArgs_ScanSeesGuarded_IsIdempotent_AndUndoRestoresEveryByte()
    {
        using var home = new TempDirectory();
        var path = home.Write(".codex/config.toml", CodexOriginal);

        var first = Run(home, "codex", undo: false);

        Assert.Equal(["inline", "pm"], first.Changes.Select(c => c.Server));
        Assert.Empty(first.Notes);
        Assert.Equal(CodexOriginal, File.ReadAllText(Assert.Single(first.Backups)));
        Assert.Equal(CodexInstalled, File.ReadAllText(path));
        Assert.Equal(["inline", "pm", "remote"], ScanSeesGuardedExceptRemote(home));

        SecondInstallChangesNothing(home, "codex", path);

        var undo = Run(home, "codex", undo: true);
        Assert.Equal(["inline", "pm"], undo.Changes.Select(c => c.Server));
        Assert.Equal(File.ReadAllBytes(Assert.Single(first.Backups)), File.ReadAllBytes(path));
        Assert.Empty(Run(home, "codex", undo: true).Changes);
    }

    [Fact]
    public void Install_Codex_AddsMissingArgs_KeepsCrLfAndBom_LeavesUnsplicableEntriesAloneWithANote()
    {
        using var home = new TempDirectory();
        var original = string.Join("\r\n",
            "[mcp_servers.bare]",
            "command = \"my-server\"",
            "[mcp_servers.already]",
            "command = \"mcpguard\"",
            "args = [\"run\", \"--\", \"uvx\", \"z==1.0.0\"]",
            "[mcp_servers.numbers]",
            "command = \"npx\"",
            "args = [\"-y\", 5]",
            "[mcp_servers.quoted]",
            "command = \"a \\\"b\\\"\"",
            "[mcp_servers.dotted_parent]",
            "dotted.command = \"npx\"",
            "");
        var path = Path.Combine(home.Path, ".codex", "config.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(original)]);

        var result = Run(home, "codex", undo: false);

        Assert.Equal(["bare", "quoted"], result.Changes.Select(c => c.Server));
        Assert.Contains(result.Notes, n => n.Contains("server 'numbers' has a command or args that are not plain strings", StringComparison.Ordinal));
        var expected = string.Join("\r\n",
            "[mcp_servers.bare]",
            "command = \"mcpguard\"",
            "args = [\"run\", \"--\", \"my-server\"]",
            "[mcp_servers.already]",
            "command = \"mcpguard\"",
            "args = [\"run\", \"--\", \"uvx\", \"z==1.0.0\"]",
            "[mcp_servers.numbers]",
            "command = \"npx\"",
            "args = [\"-y\", 5]",
            "[mcp_servers.quoted]",
            "command = \"mcpguard\"",
            "args = [\"run\", \"--\", \"a \\\"b\\\"\"]",
            "[mcp_servers.dotted_parent]",
            "dotted.command = \"npx\"",
            "");
        Assert.Equal([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(expected)], File.ReadAllBytes(path));

        // Undo removes the args lines install added: the original bytes, but for "already" (guarded before) unwrapped.
        Run(home, "codex", undo: true);
        var undone = original
            .Replace("command = \"mcpguard\"\r\nargs = [\"run\", \"--\", \"uvx\", \"z==1.0.0\"]", "command = \"uvx\"\r\nargs = [\"z==1.0.0\"]", StringComparison.Ordinal);
        Assert.Equal([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(undone)], File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData("[mcp_servers]\ninline = { command = \"srv\" } # no args\n", "[mcp_servers]\ninline = { command = \"mcpguard\", args = [\"run\", \"--\", \"srv\"] } # no args\n")]
    [InlineData("[mcp_servers.last]\ncommand = \"srv\"", "[mcp_servers.last]\ncommand = \"mcpguard\"\nargs = [\"run\", \"--\", \"srv\"]")]
    [InlineData("[mcp_servers.t]\ncommand = \"srv\"\n\n[other]\nx = 1\n", "[mcp_servers.t]\ncommand = \"mcpguard\"\nargs = [\"run\", \"--\", \"srv\"]\n\n[other]\nx = 1\n")]
    public void Install_Codex_ServerWithoutArgs_GetsArgs_AndUndoRestoresEveryByte(string original, string installed)
    {
        using var home = new TempDirectory();
        var path = home.Write(".codex/config.toml", original);

        Run(home, "codex", undo: false);
        Assert.Equal(installed, File.ReadAllText(path));

        Run(home, "codex", undo: true);
        Assert.Equal(original, File.ReadAllText(path));
    }

    [Fact]
    public void Install_Codex_DottedKeyServer_IsLeftAloneWithANote()
    {
        using var home = new TempDirectory();
        const string original = "mcp_servers.dot.command = \"npx\"\nmcp_servers.dot.args = [\"-y\", \"pkg\"]\n";
        var path = home.Write(".codex/config.toml", original);

        var result = Run(home, "codex", undo: false);

        Assert.Empty(result.Changes);
        Assert.Contains(result.Notes, n => n.Contains("server 'dot' is written with dotted keys", StringComparison.Ordinal) && n.Contains(path, StringComparison.Ordinal));
        Assert.Equal(original, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("[mcp_servers.pm\ncommand = \"npx\"\n")]
    [InlineData("[mcp_servers.pm]\ncommand = \"npx\"\ncommand = \"node\"\n")]
    [InlineData("\uFEFF[mcp_servers.pm]\r\ncommand = \"npx\"\r\nargs = [\"-y\", \"pkg\"\r\n")]
    public void Install_Codex_BrokenToml_NamesTheFile_AndLeavesItByteIdentical(string original)
    {
        using var home = new TempDirectory();
        var path = home.Write(".codex/config.toml", original);
        var before = File.ReadAllBytes(path);

        var result = Run(home, "codex", undo: false);

        Assert.Empty(result.Changes);
        Assert.Empty(result.Backups);
        Assert.Contains(result.Notes, n => n.StartsWith(path + ":", StringComparison.Ordinal) && n.Contains("not valid TOML, left unchanged", StringComparison.Ordinal));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Install_And_Discovery_BrokenToml_NeverQuoteTheFilesText()
    {
        // An unquoted token is a TOML error whose parser message quotes the token; neither the install note nor
        // discovery's problem may repeat it (a report or a terminal is not the place for a credential).
        const string token = "ghpSecretTokenValue";
        using var home = new TempDirectory();
        home.Write(".codex/config.toml", $"[mcp_servers.pm]\ncommand = \"npx\"\nenv = {{ TOKEN = {token} }}\n");

        var notes = Run(home, "codex", undo: false).Notes;
        var problems = ConfigDiscovery.Discover(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, cancellationToken: TestContext.Current.CancellationToken).Diagnostics.Select(d => d.Message).ToList();

        Assert.Contains(notes, n => n.Contains(":3: not valid TOML, left unchanged", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("not valid TOML", StringComparison.Ordinal));
        Assert.All(notes.Concat(problems), m => Assert.DoesNotContain(token[..6], m, StringComparison.Ordinal));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Install_KeepsAPrivateConfigPrivate_AndWritesThroughASymlinkedConfig()
    {
        using var home = new TempDirectory();
        var dotfile = home.Write("dotfiles/codex.toml", "[mcp_servers.pm]\ncommand = \"npx\"\nargs = [\"-y\", \"postmark-mcp@1.0.15\"]\nbearer_token = \"t\"\n");
        File.SetUnixFileMode(dotfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(Path.Combine(home.Path, ".codex"));
        var link = Path.Combine(home.Path, ".codex", "config.toml");
        File.CreateSymbolicLink(link, Path.Combine("..", "dotfiles", "codex.toml"));

        var result = Run(home, "codex", undo: false);

        Assert.Equal(["pm"], result.Changes.Select(c => c.Server));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Contains("command = \"mcpguard\"", File.ReadAllText(dotfile), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dotfile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Assert.Single(result.Backups)));
    }

    [Fact]
    public void Install_JsonEntryWithNonStringArgs_IsLeftAloneWithANote()
    {
        using var home = new TempDirectory();
        const string original = """{ "mcpServers": { "odd": { "command": "npx", "args": ["-y", 5] } } }""";
        var path = home.Write(".cursor/mcp.json", original);

        var result = Run(home, "cursor", undo: false);

        Assert.Empty(result.Changes);
        Assert.Equal([$"{path}: server 'odd' has a command or args that are not plain strings; it was left unchanged"], result.Notes);
        Assert.Equal(original, File.ReadAllText(path));
    }
}

/// <summary>
/// Install and a client config's env map: mcpguard run hands the server only what --pass-env names, so install writes
/// one --pass-env per env name (never a value), fixes entries an older install guarded without them, and undo
/// removes exactly what install added.
/// </summary>
public sealed class InstallPassEnvTests
{
    private static InstallResult Run(TempDirectory home, string client, bool undo) => InstallTests.Run(home, client, undo);

    private static IReadOnlyList<string?> Args(string path, string server) =>
        JsonNode.Parse(File.ReadAllText(path))!["mcpServers"]![server]!["args"]!.AsArray().Select(a => (string?)a).ToList();

    // One array item per line (as many editors write); install splices only the values, so undo is byte-identical.
    private const string JsonOriginal = """
        {
          "mcpServers": {
            "pm": {
              "command": "npx",
              "args": [
                "-y",
                "postmark-mcp@1.0.15"
              ],
              "env": {
                "POSTMARK_SERVER_TOKEN": "pm-token-value-123",
                "DEFAULT_SENDER_EMAIL": "me@example.test",
                "bad-name": "x",
                "9LIVES": "y"
              }
            },
            "plain": {
              "command": "node",
              "args": [
                "/srv/server.js"
              ],
              "envFile": "${workspaceFolder}/.env"
            }
          }
        }

        """;

    [Fact]
    public void Json_EnvNamesBecomePassEnvOptions_InFileOrder_EnvFileBecomesPassEnvFile_InvalidNamesNoted_AndUndoIsByteIdentical()
    {
        using var home = new TempDirectory();
        var path = home.Write(".cursor/mcp.json", JsonOriginal);

        var first = Run(home, "cursor", undo: false);

        Assert.Equal(["pm", "plain"], first.Changes.Select(c => c.Server));
        Assert.Equal(
            ["run", "--pass-env", "POSTMARK_SERVER_TOKEN", "--pass-env", "DEFAULT_SENDER_EMAIL", "--", "npx", "-y", "postmark-mcp@1.0.15"],
            Args(path, "pm"));
        // Verbatim: the client substitutes ${workspaceFolder} in args as it does in envFile; the envFile key stays.
        Assert.Equal(["run", "--pass-env-file", "${workspaceFolder}/.env", "--", "node", "/srv/server.js"], Args(path, "plain"));
        Assert.Equal("${workspaceFolder}/.env", (string?)JsonNode.Parse(File.ReadAllText(path))!["mcpServers"]!["plain"]!["envFile"]);
        Assert.Equal(
            [$"{path}: server 'pm': env name 'bad-name' is not a valid environment variable name (letters, digits and _ only), so mcpguard run does not pass it to the server",
             $"{path}: server 'pm': env name '9LIVES' is not a valid environment variable name (letters, digits and _ only), so mcpguard run does not pass it to the server"],
            first.Notes);
        Assert.DoesNotContain("pm-token-value-123", string.Join("\n", Args(path, "pm")), StringComparison.Ordinal);
        Assert.Equal("pm-token-value-123", (string?)JsonNode.Parse(File.ReadAllText(path))!["mcpServers"]!["pm"]!["env"]!["POSTMARK_SERVER_TOKEN"]);

        var scanned = ConfigScanner.Scan(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, IntelDatabase.BuiltIn, TestContext.Current.CancellationToken).Report;
        Assert.All(scanned.Servers, s => Assert.True(s.Guarded, s.Name));
        Assert.Equal("postmark-mcp", scanned.Servers.Single(s => s.Name == "pm").Package!.Name);

        var installed = File.ReadAllBytes(path);
        var second = Run(home, "cursor", undo: false);
        Assert.Empty(second.Changes);
        Assert.Equal(installed, File.ReadAllBytes(path));

        var undo = Run(home, "cursor", undo: true);
        Assert.Equal(["pm", "plain"], undo.Changes.Select(c => c.Server));
        Assert.Equal(JsonOriginal, File.ReadAllText(path));
    }

    [Fact]
    public void Json_EntryGuardedByAnOlderInstall_GetsTheMissingPassEnvInPlace_AndUndoStillRestores()
    {
        using var home = new TempDirectory();
        var path = home.Write(".cursor/mcp.json", """
            { "mcpServers": {
              "old": { "command": "mcpguard", "args": ["run", "--sandbox", "bwrap", "--pass-env=A", "--", "npx", "-y", "x@1.0.0"], "env": { "A": "1", "B": "2" } },
              "mine": { "command": "dotnet", "args": ["mcpguard", "run", "--", "node", "s.js"], "env": { "TOKEN": "t" } },
              "full": { "command": "mcpguard", "args": ["run", "--pass-env", "C", "--", "node", "c.js"], "env": { "C": "3" } }
            } }
            """);

        var result = Run(home, "cursor", undo: false);

        var change = Assert.Single(result.Changes);
        Assert.Equal(("old", "added --pass-env B to"), (change.Server, change.Action));
        Assert.Equal(["run", "--sandbox", "bwrap", "--pass-env=A", "--pass-env", "B", "--", "npx", "-y", "x@1.0.0"], Args(path, "old"));
        Assert.Equal(["mcpguard", "run", "--", "node", "s.js"], Args(path, "mine"));
        Assert.Equal(
            [$"{path}: server 'mine': starts through a mcpguard wrapper install did not write, which does not pass TOKEN; add --pass-env TOKEN to its run options"],
            result.Notes);
        Assert.Empty(Run(home, "cursor", undo: false).Changes);

        Run(home, "cursor", undo: true);
        Assert.Equal(["-y", "x@1.0.0"], Args(path, "old"));
        Assert.Equal(["c.js"], Args(path, "full"));
    }

    [Fact]
    public void Json_EnvFileEntryGuardedByAnOlderInstall_GetsPassEnvFileInPlace_UserWrapperGetsANote_AndUndoRestoresEveryByte()
    {
        using var home = new TempDirectory();
        const string original = """
            {
              "servers": {
                "old": {
                  "command": "mcpguard",
                  "args": [
                    "run",
                    "--pass-env",
                    "A",
                    "--",
                    "node",
                    "a.js"
                  ],
                  "env": {
                    "A": "1"
                  },
                  "envFile": "${workspaceFolder}/.env"
                },
                "mine": {
                  "command": "dotnet",
                  "args": [
                    "mcpguard",
                    "run",
                    "--",
                    "node",
                    "m.js"
                  ],
                  "envFile": "${workspaceFolder}/m.env"
                },
                "done": {
                  "command": "mcpguard",
                  "args": [
                    "run",
                    "--pass-env-file=${workspaceFolder}/.env",
                    "--",
                    "node",
                    "d.js"
                  ],
                  "envFile": "${workspaceFolder}/.env"
                },
                "moved": {
                  "command": "mcpguard",
                  "args": [
                    "run",
                    "--pass-env-file",
                    "${workspaceFolder}/old.env",
                    "--",
                    "node",
                    "v.js"
                  ],
                  "envFile": "${workspaceFolder}/new.env"
                },
                "odd": {
                  "command": "node",
                  "args": [
                    "o.js"
                  ],
                  "envFile": "--"
                }
              }
            }

            """;
        var path = home.Write(".config/Code/User/mcp.json", original);
        static IReadOnlyList<string?> ArgsOf(string path, string server) =>
            JsonNode.Parse(File.ReadAllText(path))!["servers"]![server]!["args"]!.AsArray().Select(a => (string?)a).ToList();

        var result = Run(home, "vscode", undo: false);

        Assert.Equal(
            [("old", "added --pass-env-file ${workspaceFolder}/.env to"), ("moved", "added --pass-env-file ${workspaceFolder}/new.env to"), ("odd", "guarded")],
            result.Changes.Select(c => (c.Server, c.Action)));
        Assert.Equal(["run", "--pass-env-file", "${workspaceFolder}/old.env", "--pass-env-file", "${workspaceFolder}/new.env", "--", "node", "v.js"], ArgsOf(path, "moved"));
        Assert.Equal(["run", "--pass-env", "A", "--pass-env-file", "${workspaceFolder}/.env", "--", "node", "a.js"], ArgsOf(path, "old"));
        Assert.Equal(["mcpguard", "run", "--", "node", "m.js"], ArgsOf(path, "mine"));
        Assert.Equal(["run", "--pass-env-file=${workspaceFolder}/.env", "--", "node", "d.js"], ArgsOf(path, "done"));
        // An envFile that cannot be an option value (it would end the options) is not written, and said so.
        Assert.Equal(["run", "--", "node", "o.js"], ArgsOf(path, "odd"));
        Assert.Equal(
            [$"{path}: server 'mine': starts through a mcpguard wrapper install did not write, which does not pass the variables of envFile ${{workspaceFolder}}/m.env; add --pass-env-file ${{workspaceFolder}}/m.env to its run options",
             $"{path}: server 'moved': its wrapper passes --pass-env-file ${{workspaceFolder}}/old.env, which is not its envFile; if that file is gone, mcpguard run refuses to start the server, so remove the option",
             $"{path}: server 'odd': envFile '--' cannot be given to mcpguard run as --pass-env-file, so the variables it sets are not passed to the server; name each of them in env"],
            result.Notes);

        var installed = File.ReadAllBytes(path);
        Assert.Empty(Run(home, "vscode", undo: false).Changes);
        Assert.Equal(installed, File.ReadAllBytes(path));

        Run(home, "vscode", undo: true);
        Assert.Equal(["a.js"], ArgsOf(path, "old"));
        Assert.Equal(["mcpguard", "run", "--", "node", "m.js"], ArgsOf(path, "mine"));
        Assert.Equal(["d.js"], ArgsOf(path, "done"));
        Assert.Equal(["o.js"], ArgsOf(path, "odd"));
        Assert.Equal("${workspaceFolder}/.env", (string?)JsonNode.Parse(File.ReadAllText(path))!["servers"]!["old"]!["envFile"]);
    }

    private const string CodexOriginal = """
        # codex: comments and layout must survive install and undo
        [mcp_servers.inline_env]
        command = "npx"
        args = ["-y", "postmark-mcp@1.0.15"]   # pinned
        env = { POSTMARK_SERVER_TOKEN = "pm-token-value-123", "bad name" = "x" }

        [mcp_servers.table_env]
        command = "node"
        args = [
          "/srv/server.js", # the script
        ]
        env_vars = ["FORWARDED"]

        [mcp_servers.table_env.env]
        API_KEY = "k"
        REGION = "eu"

        [mcp_servers]
        short = { command = "uvx", args = ["y==1.0.0"], env = { Y_TOKEN = "y" } }
        """;

    [Fact]
    public void Codex_EnvTablesAndEnvVars_BecomePassEnvOptions_SplicedInPlace_AndUndoRestoresEveryByte()
    {
        using var home = new TempDirectory();
        var path = home.Write(".codex/config.toml", CodexOriginal);

        var first = Run(home, "codex", undo: false);

        Assert.Equal(["inline_env", "table_env", "short"], first.Changes.Select(c => c.Server));
        Assert.Equal(
            [$"{path}: server 'inline_env': env name 'bad name' is not a valid environment variable name (letters, digits and _ only), so mcpguard run does not pass it to the server"],
            first.Notes);
        var expected = CodexOriginal
            .Replace("command = \"npx\"", "command = \"mcpguard\"", StringComparison.Ordinal)
            .Replace("args = [\"-y\",", "args = [\"run\", \"--pass-env\", \"POSTMARK_SERVER_TOKEN\", \"--\", \"npx\", \"-y\",", StringComparison.Ordinal)
            .Replace("command = \"node\"", "command = \"mcpguard\"", StringComparison.Ordinal)
            .Replace("  \"/srv/server.js\",", "  \"run\", \"--pass-env\", \"API_KEY\", \"--pass-env\", \"REGION\", \"--pass-env\", \"FORWARDED\", \"--\", \"node\", \"/srv/server.js\",", StringComparison.Ordinal)
            .Replace("command = \"uvx\", args = [", "command = \"mcpguard\", args = [\"run\", \"--pass-env\", \"Y_TOKEN\", \"--\", \"uvx\", ", StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.DoesNotContain("pm-token-value-123\", \"--", File.ReadAllText(path), StringComparison.Ordinal);

        var scanned = ConfigScanner.Scan(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, IntelDatabase.BuiltIn, TestContext.Current.CancellationToken).Report;
        Assert.Equal(3, scanned.Servers.Count(s => s.Guarded));

        Assert.Empty(Run(home, "codex", undo: false).Changes);
        Assert.Equal(expected, File.ReadAllText(path));

        var undo = Run(home, "codex", undo: true);
        Assert.Equal(["inline_env", "table_env", "short"], undo.Changes.Select(c => c.Server));
        Assert.Equal(CodexOriginal, File.ReadAllText(path));
    }

    [Fact]
    public void Codex_EntryGuardedByAnOlderInstall_GetsTheMissingPassEnvBeforeDashDash_AndUndoRestoresThePreInstallBytes()
    {
        using var home = new TempDirectory();
        const string preInstall = "[mcp_servers.pm]\ncommand = \"npx\"\nargs = [\"-y\", \"postmark-mcp@1.0.15\"] # pinned\n\n[mcp_servers.pm.env]\nPOSTMARK_SERVER_TOKEN = \"t\"\n";
        // What install wrote before it knew about env maps.
        var olderInstall = preInstall
            .Replace("command = \"npx\"", "command = \"mcpguard\"", StringComparison.Ordinal)
            .Replace("args = [\"-y\"", "args = [\"run\", \"--\", \"npx\", \"-y\"", StringComparison.Ordinal);
        var path = home.Write(".codex/config.toml", olderInstall);

        var result = Run(home, "codex", undo: false);

        Assert.Equal([("pm", "added --pass-env POSTMARK_SERVER_TOKEN to")], result.Changes.Select(c => (c.Server, c.Action)));
        Assert.Equal(olderInstall.Replace("\"run\", \"--\"", "\"run\", \"--pass-env\", \"POSTMARK_SERVER_TOKEN\", \"--\"", StringComparison.Ordinal), File.ReadAllText(path));
        Assert.Empty(Run(home, "codex", undo: false).Changes);

        Run(home, "codex", undo: true);
        Assert.Equal(preInstall, File.ReadAllText(path));
    }

    [Fact]
    public void Codex_DottedEnvKeysInTheServerTable_AreNamedToo()
    {
        using var home = new TempDirectory();
        var path = home.Write(".codex/config.toml", "[mcp_servers.d]\ncommand = \"node\"\nargs = [\"s.js\"]\nenv.DOTTED_TOKEN = \"t\"\n");

        Run(home, "codex", undo: false);

        Assert.Equal("[mcp_servers.d]\ncommand = \"mcpguard\"\nargs = [\"run\", \"--pass-env\", \"DOTTED_TOKEN\", \"--\", \"node\", \"s.js\"]\nenv.DOTTED_TOKEN = \"t\"\n", File.ReadAllText(path));
    }

    [Fact]
    public void Update_PinsAGuardedLaunch_AndKeepsItsPassEnvOptions()
    {
        var guarded = new ServerLaunch("mcpguard", ["run", "--pass-env", "T", "--", "npx", "-y", "postmark-mcp@1.0.15"]);

        var pinned = McpGuard.Verify.Updates.ConfigVersionRewriter.Pin(guarded, new Dictionary<string, string> { ["postmark-mcp"] = "1.0.16" });

        Assert.Equal(["run", "--pass-env", "T", "--", "npx", "-y", "postmark-mcp@1.0.16"], pinned!.Launch.Args);
    }

    [Theory]
    [InlineData("POSTMARK_SERVER_TOKEN", true)]
    [InlineData("_x9", true)]
    [InlineData("9x", false)]
    [InlineData("A-B", false)]
    [InlineData("A=B", false)]
    [InlineData("", false)]
    [InlineData("Ä", false)]
    public void IsValidName_AcceptsOnlyPosixNames(string name, bool valid) => Assert.Equal(valid, McpGuard.Core.Text.EnvironmentVariableName.IsValid(name));
}
