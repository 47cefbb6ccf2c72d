using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests.Support;

/// <summary>Paths of the node peers; fails with a clear message when the fixtures are not installed.</summary>
internal static class NodeFixtures
{
    public static string NodeModules
    {
        get
        {
            var path = Path.Combine(RepoPaths.NodeFixtures, "node_modules");
            if (!Directory.Exists(Path.Combine(path, "@modelcontextprotocol", "server-everything")))
            {
                throw new InvalidOperationException($"Node fixtures missing: run 'npm ci --prefix {RepoPaths.NodeFixtures}' (CI does this in .ci/run).");
            }

            return path;
        }
    }

    public static string Everything => Path.Combine(NodeModules, "@modelcontextprotocol", "server-everything", "dist", "index.js");

    public static string Filesystem => Path.Combine(NodeModules, "@modelcontextprotocol", "server-filesystem", "dist", "index.js");

    public static string Script(string folder, string file) => Path.Combine(RepoPaths.NodeFixtures, folder, file);

    /// <summary>mcpguard.dll of the same configuration as this test assembly.</summary>
    public static string McpGuardDll => RepoPaths.McpGuardDll;
}
