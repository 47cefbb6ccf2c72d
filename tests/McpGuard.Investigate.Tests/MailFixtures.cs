using McpGuard.TestSupport;

namespace McpGuard.Investigate.Tests;

internal static class MailFixtures
{
    public static string Dir { get; } = System.IO.Path.Combine(RepoPaths.Root, "tests", "McpGuard.Investigate.Tests", "Fixtures", "mail");

    public static string Path(string name) => System.IO.Path.Combine(Dir, name);
}
