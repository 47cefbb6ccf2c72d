using McpGuard.TestSupport;

namespace McpGuard.Verify.Tests;

/// <summary>
/// One local Verdaccio per test class with the synthetic postmark pair (1.0.15, 1.0.16) and a package whose stored
/// tarball was swapped after publishing (its published integrity no longer matches).
/// </summary>
public sealed class PackagesRegistryFixture : IDisposable
{
    public const string TamperedName = "mcpguard-tamper-fixture";

    private readonly TempDirectory _work = new("mcpguard-registry-pkgs");

    public PackagesRegistryFixture()
    {
        Registry = new VerdaccioRegistry();
        try
        {
            Registry.Publish(JavaScriptTestSupport.FixturePath("v1.0.15"));
            Registry.Publish(JavaScriptTestSupport.FixturePath("v1.0.16"));
            _work.Write("tamper/package.json", $$"""{ "name": "{{TamperedName}}", "version": "1.0.0", "description": "SYNTHETIC TEST FIXTURE", "main": "index.js", "license": "MIT" }""");
            _work.Write("tamper/index.js", "// SYNTHETIC TEST FIXTURE: harmless content, tampered after publishing.\nmodule.exports = 1;\n");
            Registry.Publish(Path.Combine(_work.Path, "tamper"));
            var other = File.ReadAllBytes(Path.Combine(Registry.StoragePath, "postmark-mcp", "postmark-mcp-1.0.15.tgz"));
            Registry.Tamper(TamperedName, "1.0.0", other);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public VerdaccioRegistry Registry { get; }

    public void Dispose()
    {
        Registry.Dispose();
        _work.Dispose();
    }
}
