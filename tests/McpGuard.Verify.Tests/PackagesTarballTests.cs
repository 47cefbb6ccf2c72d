using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using McpGuard.Core.Findings;
using McpGuard.TestSupport;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Packages;

namespace McpGuard.Verify.Tests;

public sealed class PackagesTarballTests
{
    private static byte[] Tarball(Action<TarWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(tar);
        }

        return buffer.ToArray();
    }

    private static void File(TarWriter tar, string name, string content)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
        tar.WriteEntry(entry);
    }

    [Fact]
    public void Tarball_NormalPackage_StripsTopFolderAndReadsManifest()
    {
        var bytes = Tarball(t =>
        {
            File(t, "package/package.json", """{ "name": "demo", "version": "2.0.0" }""");
            File(t, "package/lib/index.js", "module.exports = 1;");
        });

        var package = new PackageLoader(null).FromTarballBytes(bytes, "demo.tgz");

        Assert.Equal("demo", package.Name);
        Assert.Equal("2.0.0", package.Version);
        Assert.Equal(["lib/index.js", "package.json"], package.Files.Select(f => f.Path).Order().ToArray());
        Assert.Empty(package.ReadFindings);
        Assert.Equal(SriIntegrity.Sha512Of(bytes), package.Integrity);
    }

    [Fact]
    public void Tarball_HostileEntries_AreRejectedWithFindingsAndNothingIsWritten()
    {
        using var temp = new TempDirectory();
        var escape = Path.Combine(temp.Path, "escaped.txt");
        var bytes = Tarball(t =>
        {
            File(t, "package/index.js", "module.exports = 1;");
            File(t, "package/../../escaped.txt", "x");
            File(t, "/etc/mcpguard-abs.txt", "x");
            t.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/link") { LinkName = "/etc/passwd" });
            t.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "package/hard") { LinkName = "package/index.js" });
            t.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "package/dev") { DeviceMajor = 1, DeviceMinor = 3 });
        });

        var package = new PackageLoader(null).FromTarballBytes(bytes, escape);

        Assert.Equal(["index.js"], package.Files.Select(f => f.Path).ToArray());
        Assert.Equal(5, package.ReadFindings.Count(f => f.RuleId == "MCPG200" && f.Severity == Severity.High));
        Assert.False(System.IO.File.Exists(escape));
        Assert.False(System.IO.File.Exists("/etc/mcpguard-abs.txt"));
    }

    [Fact]
    public void Tarball_OverLimits_StopsWithLimitFinding()
    {
        var bytes = Tarball(t =>
        {
            File(t, "package/big.js", new string('a', 5000));
            for (var i = 0; i < 20; i++)
            {
                File(t, $"package/f{i}.js", "1;");
            }
        });
        var limits = new PackageLimits { MaxEntries = 10, MaxFileBytes = 1000 };

        var package = new PackageLoader(null, limits).FromTarballBytes(bytes, "big.tgz");

        Assert.DoesNotContain(package.Files, f => f.Path == "big.js");
        Assert.True(package.Files.Count <= 10);
        Assert.Equal(2, package.ReadFindings.Count(f => f.RuleId == "MCPG201"));
    }

    [Fact]
    public void Tarball_NotGzip_GivesUnreadableFindingNotException()
    {
        var package = new PackageLoader(null).FromTarballBytes(Encoding.UTF8.GetBytes("this is not a tarball at all"), "junk.tgz");

        Assert.Empty(package.Files);
        Assert.Contains(package.ReadFindings, f => f.RuleId == "MCPG001");
    }

    [Theory]
    [InlineData("package/a/../../x", null)]
    [InlineData("/abs/x", null)]
    [InlineData("C:/x", null)]
    [InlineData("package/./a/b.js", "a/b.js")]
    [InlineData("pkg/index.js", "index.js")]
    public void Tarball_NormalisePath_RejectsEscapes(string name, string? expected) =>
        Assert.Equal(expected, TarballReader.NormalisePath(name));

    [Fact]
    public void Directory_Symlink_IsNotFollowed()
    {
        using var temp = new TempDirectory();
        temp.Write("pkg/package.json", """{ "name": "d", "version": "1.0.0" }""");
        temp.Write("secret/id_rsa", "PRIVATE");
        System.IO.File.CreateSymbolicLink(Path.Combine(temp.Path, "pkg", "key"), Path.Combine(temp.Path, "secret", "id_rsa"));

        var package = new PackageLoader(null).FromDirectory(Path.Combine(temp.Path, "pkg"));

        Assert.DoesNotContain(package.Files, f => f.Path == "key");
        Assert.Contains(package.ReadFindings, f => f.RuleId == "MCPG200");
    }

    [Fact]
    public void CorpusZip_RealPreinstallBackdoor_IsReadInMemoryAndFlaggedHigh()
    {
        var zip = Path.Combine(JavaScriptTestSupport.Corpus, "malicious-npm", "loadyaml-1.0.2.tgz.zip");
        Assert.True(System.IO.File.Exists(zip), "corpus sample missing: " + zip);

        var package = new PackageLoader(null).FromCorpusZip(zip);
        var analysis = new PackageAnalyzer().Analyze(package, TestContext.Current.CancellationToken);

        Assert.Equal("loadyaml", package.Name);
        Assert.Contains(analysis.Findings, f => f.RuleId == "MCPG213" && f.Severity >= Severity.High);
    }

    [Theory]
    [InlineData("postmark-mcp@1.0.16", "postmark-mcp", "1.0.16")]
    [InlineData("@scope/server@2.0.0", "@scope/server", "2.0.0")]
    [InlineData("@scope/server", "@scope/server", null)]
    [InlineData("plain", "plain", null)]
    public void Spec_Parse_ReadsScopedAndPlainNames(string text, string name, string? version)
    {
        Assert.True(PackageSpec.TryParse(text, out var spec));
        Assert.Equal(name, spec.Name);
        Assert.Equal(version, spec.Version);
    }

    [Theory]
    [InlineData("../x@1")]
    [InlineData("a/b/c")]
    [InlineData("has space")]
    [InlineData("x@")]
    public void Spec_Parse_RejectsNonPackages(string text) => Assert.False(PackageSpec.TryParse(text, out _));
}
