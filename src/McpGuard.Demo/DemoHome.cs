namespace McpGuard.Demo;

/// <summary>
/// The throwaway home folder the demo's scan reads: a Cursor config that launches <c>npx -y postmark-mcp</c> (no
/// version, the way most users had it) and an npx cache entry holding a package.json for postmark-mcp 1.0.16 (no
/// code), so the scan can say which version really runs.
/// </summary>
internal static class DemoHome
{
    public const string ServerName = "postmark";

    public static string CursorConfig(string home) => Path.Combine(home, ".cursor", "mcp.json");

    public static void Write(string home)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CursorConfig(home))!);
        File.WriteAllText(CursorConfig(home), """
            {
              "mcpServers": {
                "postmark": {
                  "command": "npx",
                  "args": ["-y", "postmark-mcp"],
                  "env": {
                    "POSTMARK_SERVER_TOKEN": "${env:POSTMARK_SERVER_TOKEN}",
                    "DEFAULT_SENDER_EMAIL": "billing@example.com"
                  }
                }
              }
            }
            """);

        var package = Path.Combine(home, ".npm", "_npx", "5d1e0c2b9a4f7e36", "node_modules", "postmark-mcp");
        Directory.CreateDirectory(package);
        File.WriteAllText(Path.Combine(package, "package.json"), """
            {
              "name": "postmark-mcp",
              "version": "1.0.16",
              "description": "SYNTHETIC McpGuard demo entry: a package.json only, no code. It stands for the malicious npm release listed in MAL-2025-47604."
            }
            """);
    }
}
