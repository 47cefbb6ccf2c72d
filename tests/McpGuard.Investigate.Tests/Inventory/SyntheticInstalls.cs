using McpGuard.TestSupport;

namespace McpGuard.Investigate.Tests.Inventory;

/// <summary>
/// A synthetic machine for scan --installed: a home with an npx cache, a ~/.npmrc prefix and a Cursor config, and a
/// project folder with nested, scoped and aliased packages. Every package is a package.json only (no code); the
/// postmark-mcp 1.0.16 copies just state that name and version so the real advisory MAL-2025-47604 matches them.
/// </summary>
internal sealed class SyntheticInstalls : IDisposable
{
    /// <summary>A fake token in the config: the tests check it never reaches any output.</summary>
    public const string SecretValue = "pm-live-0b7e3c1d-SECRET-9a8f-4e2d";

    public const string NpxHash = "4f1a9c2e7b3d5e60";

    private readonly TempDirectory _dir = new("mcpguard-inventory");

    public SyntheticInstalls()
    {
        // npx cache: the backdoored version launched by npx -y, and an unrelated benign entry.
        Package($"home/.npm/_npx/{NpxHash}/node_modules/postmark-mcp", "postmark-mcp", "1.0.16");
        Package($"home/.npm/_npx/{NpxHash}/node_modules/@modelcontextprotocol/sdk", "@modelcontextprotocol/sdk", "1.17.0");
        Package("home/.npm/_npx/0c0c0c0c0c0c0c0c/node_modules/@modelcontextprotocol/server-filesystem", "@modelcontextprotocol/server-filesystem", "2025.8.21");

        // Global prefix from ~/.npmrc: a clean postmark-mcp version (never flagged) and the bad one nested under a tool.
        _dir.Write("home/.npmrc", "; user config\nprefix = ~/tools/npm-global\n");
        Package("home/tools/npm-global/lib/node_modules/postmark-mcp", "postmark-mcp", "1.0.15");
        Package("home/tools/npm-global/lib/node_modules/mail-helper", "mail-helper", "3.1.0");
        Package("home/tools/npm-global/lib/node_modules/mail-helper/node_modules/postmark-mcp", "postmark-mcp", "1.0.16");

        // A project: postmark-mcp installed under an alias folder, scoped and nested benign packages.
        Package("work/shop/node_modules/pm", "postmark-mcp", "1.0.16");
        Package("work/shop/node_modules/express", "express", "4.21.2");
        Package("work/shop/node_modules/express/node_modules/debug", "debug", "2.6.9");
        Package("work/shop/node_modules/@types/node", "@types/node", "22.7.4");
        Package("work/shop/node_modules/.bin/not-a-package", "ignored", "0.0.0");

        _dir.Write("home/.cursor/mcp.json", $$"""
            {
              "mcpServers": {
                "postmark": {
                  "command": "npx",
                  "args": ["-y", "postmark-mcp"],
                  "env": { "POSTMARK_SERVER_TOKEN": "{{SecretValue}}", "DEFAULT_MESSAGE_STREAM": "outbound" }
                }
              }
            }
            """);
    }

    public string Root => _dir.Path;

    public string Home => Path.Combine(_dir.Path, "home");

    public string Project => Path.Combine(_dir.Path, "work");

    public string Intel => Path.Combine(_dir.Path, "mcpguard-data");

    /// <summary>Writes a package.json (name and version only) into <paramref name="folder"/> and returns the folder.</summary>
    public string Package(string folder, string name, string version)
    {
        _dir.Write(Path.Combine(folder, "package.json"), $$"""{ "name": "{{name}}", "version": "{{version}}", "description": "synthetic fixture, no code" }""");
        return Path.Combine(_dir.Path, folder);
    }

    /// <summary>An OSV advisory folder (ossf/malicious-packages layout) listing one npm package version.</summary>
    public string OsvFolder(string id, string name, string version)
    {
        _dir.Write($"osv/npm/{name}/{id}.json", $$"""
            { "id": "{{id}}", "summary": "Malicious code in {{name}} (npm)",
              "affected": [ { "package": { "ecosystem": "npm", "name": "{{name}}" }, "versions": ["{{version}}"] } ] }
            """);
        return Path.Combine(_dir.Path, "osv");
    }

    public string Write(string relative, string contents) => _dir.Write(relative, contents);

    public void Dispose() => _dir.Dispose();
}
