using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core.Intel;
using McpGuard.TestSupport;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Install;
using McpGuard.Verify.Scan;
using McpGuard.Verify.Updates;
using Microsoft.Extensions.Time.Testing;

namespace McpGuard.Verify.Tests;

/// <summary>
/// install, undo and pin on JSON(C) configs change only the entries' command and args values: comments, formatting,
/// line endings, the byte order mark and every other key stay byte for byte, and undo gives back the original bytes.
/// </summary>
public sealed class InstallJsoncTests
{
    private static readonly byte[] s_bom = [0xEF, 0xBB, 0xBF];

    // A hand-kept VS Code user settings.json: comments of both kinds, tabs and odd indentation, trailing commas,
    // non-ASCII before the servers and in a command, the same server name in both maps VS Code reads, an entry
    // without args, and a "servers" map of another extension that is not VS Code's and must stay as it is.
    private const string Settings = """
        // VS Code user settings: every comment and odd indent below must survive install and undo
        {
        	"editor.fontFamily": "Fira Code, 'Noto Sans CJK JP' /* 日本語 */",
            "workbench.colorTheme":   "Solarized Dark",   // trailing comment
          /* block comment
             over two lines, with "command": "npx" inside it */
          "mcp": {
                "servers": {
                  // the mail server, pinned
                  "pm": {
                      "type": "stdio",
                      "command": "npx",      // runner
                      "args": [
                          "-y",   // yes
                          "postmark-mcp@1.0.15", // pinned version
                      ],
                      "env": { "POSTMARK_SERVER_TOKEN": "${input:pm-token}" },
                  },
                  "bare": { "command": "/opt/mcp-ü/server" },
                  "remote": { "type": "http", "url": "https://r.example/mcp" },
                },
          },
          "mcp.servers": {
             "pm": {"command":"uvx","args":["mail-mcp==2.0.0"]}
          },
          "other.extension": { "servers": { "pm": { "command": "npx", "args": ["-y", "not-a-server"] } } },
        	"files.eol": "\r\n",
        }

        """;

    private static readonly string SettingsInstalled = Settings
        .Replace("\"command\": \"npx\",      // runner", "\"command\": \"mcpguard\",      // runner", StringComparison.Ordinal)
        .Replace("\"-y\",   // yes", "\"run\", \"--pass-env\", \"POSTMARK_SERVER_TOKEN\", \"--\", \"npx\", \"-y\",   // yes", StringComparison.Ordinal)
        .Replace("""{ "command": "/opt/mcp-ü/server" }""", """{ "command": "mcpguard", "args": ["run", "--", "/opt/mcp-ü/server"] }""", StringComparison.Ordinal)
        .Replace("""{"command":"uvx","args":["mail-mcp==2.0.0"]}""", """{"command":"mcpguard","args":["run", "--", "uvx", "mail-mcp==2.0.0"]}""", StringComparison.Ordinal);

    private static InstallResult Run(TempDirectory home, bool undo) => InstallTests.Run(home, "vscode", undo);

    private static byte[] Encode(string text, bool crlf, bool bom)
    {
        var bytes = Encoding.UTF8.GetBytes(crlf ? text.ReplaceLineEndings("\r\n") : text);
        return bom ? [.. s_bom, .. bytes] : bytes;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void VsCodeSettings_Commented_InstallChangesOnlyCommandAndArgs_SecondInstallWritesNothing_UndoRestoresTheOriginalBytes(bool crlf, bool bom)
    {
        using var home = new TempDirectory();
        var path = home.Write(".config/Code/User/settings.json", "");
        var original = Encode(Settings, crlf, bom);
        File.WriteAllBytes(path, original);

        var first = Run(home, undo: false);

        // "mcp.servers" is read before "mcp": {"servers"}; both maps' "pm" are wrapped, each in its own place.
        Assert.Equal(["pm", "pm", "bare"], first.Changes.Select(c => c.Server));
        Assert.Empty(first.Notes);
        Assert.Equal(original, File.ReadAllBytes(Assert.Single(first.Backups)));
        Assert.Equal(Encode(SettingsInstalled, crlf, bom), File.ReadAllBytes(path));
        var scanned = ConfigScanner.Scan(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, IntelDatabase.BuiltIn, TestContext.Current.CancellationToken).Report;
        Assert.Equal(["bare", "pm", "pm", "remote"], scanned.Servers.Select(s => s.Name).Order());
        Assert.All(scanned.Servers.Where(s => s.Name != "remote"), s => Assert.True(s.Guarded, s.Name));

        var installed = File.ReadAllBytes(path);
        var second = Run(home, undo: false);
        Assert.Empty(second.Changes);
        Assert.Empty(second.Backups);
        Assert.Equal(installed, File.ReadAllBytes(path));

        var undo = Run(home, undo: true);
        Assert.Equal(["pm", "pm", "bare"], undo.Changes.Select(c => c.Server));
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Empty(Run(home, undo: true).Changes);
    }

    [Fact]
    public void ClaudeJson_MachineWritten_EveryByteOutsideTheServersValuesIsKept_AndUndoRestoresTheOriginal()
    {
        // ~/.claude.json as Claude Code writes it (two-space JSON, non-ASCII as is): hundreds of projects with history,
        // servers at the top and under projects with the same name, and a "pm" that is in no server map.
        var projects = new JsonObject();
        for (var i = 0; i < 300; i++)
        {
            projects[$"/home/dev/p{i}"] = new JsonObject
            {
                ["allowedTools"] = new JsonArray(),
                ["history"] = new JsonArray(new JsonObject { ["display"] = $"fix the naïve café bug #{i}: \"quoted\" \\ back\tslash — 日本", ["pastedContents"] = new JsonObject() }),
                ["mcpServers"] = new JsonObject(),
                ["lastCost"] = 0.125 * i,
                ["hasTrustDialogAccepted"] = i % 2 == 0,
            };
        }

        static JsonObject Npx(string package) => new() { ["type"] = "stdio", ["command"] = "npx", ["args"] = new JsonArray("-y", package), ["env"] = new JsonObject() };
        projects["/home/dev/p7"]!["mcpServers"]!["pm"] = Npx("pkg7@1.0.0");
        projects["/home/dev/p8"]!["mcpServers"]!["pm"] = Npx("pkg8@1.0.0");
        projects["/home/dev/p9"]!["notMcpServers"] = new JsonObject { ["pm"] = new JsonObject { ["command"] = "node", ["args"] = new JsonArray("decoy.js") } };
        var root = new JsonObject
        {
            ["numStartups"] = 312,
            ["userID"] = "f00dfeed",
            ["mcpServers"] = new JsonObject { ["pm"] = Npx("pkg@1.0.0") },
            ["projects"] = projects,
        };
        var original = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        using var home = new TempDirectory();
        var path = home.Write(".claude.json", original);

        var first = InstallTests.Run(home, "claude-code", undo: false);

        Assert.Equal(["pm", "pm", "pm"], first.Changes.Select(c => c.Server));
        // Only servers launch npx, and only their args hold "-y".
        var expected = original
            .Replace("\"command\": \"npx\"", "\"command\": \"mcpguard\"", StringComparison.Ordinal)
            .Replace("\"-y\",", "\"run\", \"--\", \"npx\", \"-y\",", StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));

        InstallTests.Run(home, "claude-code", undo: true);
        Assert.Equal(Encoding.UTF8.GetBytes(original), File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData("""{ "mcpServers": { "pm": { "command": "npx", "args": ["-y", "a@1.0.0"] }, "pm": { "command": "node", "args": ["other.js"] } } }""")]
    [InlineData("""{ "mcpServers": { "pm": { "command": "npx", "command": "node", "args": ["s.js"] } } }""")]
    [InlineData("""{ "mcpServers": { "pm": { "command": "npx", "args": ["-y", "a@1.0.0"], "args": ["b.js"] } } }""")]
    [InlineData("""{ "theme": "a", "theme": "b", "mcpServers": { "pm": { "command": "npx", "args": ["-y", "a@1.0.0"] } } }""")]
    public void DuplicateKeys_FailClosed_TheFileIsNamedAndLeftByteIdentical(string original)
    {
        // Clients disagree on which duplicate wins, so mcpguard could wrap a launch other than the one that runs.
        using var home = new TempDirectory();
        var path = home.Write(".cursor/mcp.json", original);

        var result = InstallTests.Run(home, "cursor", undo: false);

        Assert.Empty(result.Changes);
        Assert.Empty(result.Backups);
        Assert.Equal([path], result.Unparsed);
        Assert.Contains(result.Notes, n => n.StartsWith(path + ": not valid JSON (", StringComparison.Ordinal) && n.EndsWith("), left unchanged", StringComparison.Ordinal));
        Assert.Equal(original, File.ReadAllText(path));
    }

    [Fact]
    public void Pin_InACommentedSettingsJson_ReplacesOnlyThePackageArgument()
    {
        using var home = new TempDirectory();
        const string original = """
            {
              // pinned by hand, then by mcpguard
              "mcp": { "servers": {
                "pm": { "command": "npx", "args": [ "-y", /* the package */ "pkg" ], },
                "guarded": { "command": "mcpguard", "args": ["run", "--", "npx", "-y", "pkg@^1"] }, // wrapped
              } },
            }
            """;
        var path = home.Write(".config/Code/User/settings.json", original);

        var result = ConfigVersionRewriter.Rewrite(
            new DiscoveryOptions { Home = home.Path, HomeOverridden = true },
            new Dictionary<string, string> { ["pkg"] = "2.0.0" },
            new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 14, 0, 0, TimeSpan.Zero)));

        Assert.Equal(["pm", "guarded"], result.Changes.Select(c => c.Server));
        Assert.Empty(result.Notes);
        Assert.Equal(
            original
                .Replace("/* the package */ \"pkg\"", "/* the package */ \"pkg@2.0.0\"", StringComparison.Ordinal)
                .Replace("\"pkg@^1\"", "\"pkg@2.0.0\"", StringComparison.Ordinal),
            File.ReadAllText(path));
    }

    [Fact]
    public void ArgsNullOrEmptyOrMissing_AndEscapedValues_AreWrittenAsValidJson_AndUndoRemovesOnlyTheArgsInstallAdded()
    {
        using var home = new TempDirectory();
        const string original = """
            { "mcpServers": {
              "nullargs": { "command": "srv",  "args": null },
              "empty": { "command": "srv2", "args": [] },
              "quoted": { "command": "C:\\Tools\\a \"b\".exe" } // comment after the entry
            } }
            """;
        var path = home.Write(".cursor/mcp.json", original);

        InstallTests.Run(home, "cursor", undo: false);

        Assert.Equal(
            """
            { "mcpServers": {
              "nullargs": { "command": "mcpguard",  "args": ["run", "--", "srv"] },
              "empty": { "command": "mcpguard", "args": ["run", "--", "srv2"] },
              "quoted": { "command": "mcpguard", "args": ["run", "--", "C:\\Tools\\a \"b\".exe"] } // comment after the entry
            } }
            """,
            File.ReadAllText(path));
        Assert.Equal("C:\\Tools\\a \"b\".exe", (string?)InstallTests.Jsonc(path)["mcpServers"]!["quoted"]!["args"]![2]);

        InstallTests.Run(home, "cursor", undo: true);

        // Undo removes an args key that sits exactly where and as install adds one (", \"args\": " right after the
        // command), so "quoted" is byte-identical again, and so is every other byte. A hand-written one-line
        // "args": [] looks the same and goes too ("empty"): the same launch. Elsewhere an emptied args stays an
        // array; a null one comes back as [] (the same launch: install cannot know it was null).
        Assert.Equal(
            original
                .Replace("\"args\": null", "\"args\": []", StringComparison.Ordinal)
                .Replace("\"srv2\", \"args\": []", "\"srv2\"", StringComparison.Ordinal),
            File.ReadAllText(path));
    }

    [Fact]
    public void EscapedKeys_ArgsBeforeCommand_AndNonAsciiBeforeTheValues_AreSplicedAtTheRightBytes()
    {
        // Keys are compared unescaped (as clients read them); offsets are bytes, so the multi-byte text before the
        // values must not shift a splice.
        using var home = new TempDirectory();
        const string original = """
            { "note": "überall ✓ 🚀",
              "mcp\u0053ervers": { "p\u006d": { "args": ["-y", "x@1.0.0"], "comm\u0061nd": "npx" } } }
            """;
        var path = home.Write(".cursor/mcp.json", original);

        var result = InstallTests.Run(home, "cursor", undo: false);

        Assert.Equal(["pm"], result.Changes.Select(c => c.Server));
        Assert.Equal(
            """
            { "note": "überall ✓ 🚀",
              "mcp\u0053ervers": { "p\u006d": { "args": ["run", "--", "npx", "-y", "x@1.0.0"], "comm\u0061nd": "mcpguard" } } }
            """,
            File.ReadAllText(path));

        InstallTests.Run(home, "cursor", undo: true);
        Assert.Equal(original, File.ReadAllText(path));
    }
}
