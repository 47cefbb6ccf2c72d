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
            // --deep: a host package whose 1.0.1 starts depending on a package with a credential-reading preinstall.
            _work.Write("dep/package.json", """{ "name": "mcpguard-deep-dep", "version": "1.2.0", "description": "SYNTHETIC TEST FIXTURE", "license": "MIT", "scripts": { "preinstall": "node setup.js" } }""");
            _work.Write("dep/setup.js", "// SYNTHETIC TEST FIXTURE: never run.\nconst k = require('fs').readFileSync(require('os').homedir() + '/.npmrc');\n");
            Registry.Publish(Path.Combine(_work.Path, "dep"));
            _work.Write("host0/package.json", """{ "name": "mcpguard-deep-host", "version": "1.0.0", "description": "SYNTHETIC TEST FIXTURE", "license": "MIT" }""");
            _work.Write("host0/index.js", "// SYNTHETIC TEST FIXTURE\nmodule.exports = 1;\n");
            _work.Write("host1/package.json", """{ "name": "mcpguard-deep-host", "version": "1.0.1", "description": "SYNTHETIC TEST FIXTURE", "license": "MIT", "dependencies": { "mcpguard-deep-dep": "^1.0.0" } }""");
            _work.Write("host1/index.js", "// SYNTHETIC TEST FIXTURE\nmodule.exports = 1;\n");
            Registry.Publish(Path.Combine(_work.Path, "host0"));
            Registry.Publish(Path.Combine(_work.Path, "host1"));
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
