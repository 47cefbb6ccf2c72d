using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.TestSupport;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Diff;
using McpGuard.Verify.Packages;

namespace McpGuard.Verify.Tests;

/// <summary>Skipped files are counted and reported (MCPG222 + coverage), never silent; packages stream file by file.</summary>
public sealed class AnalysisCoverageTests
{
    private static readonly byte[] s_elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', .. new byte[124]];

    private static LoadedPackage Package(params (string Path, byte[] Content)[] files) => new()
    {
        Name = "cov",
        Version = "1.0.0",
        Origin = "memory",
        Files = [.. files.Select(f => new PackageFile(f.Path, f.Content))],
    };

    private static (string, byte[]) Text(string path, string text) => (path, Encoding.UTF8.GetBytes(text));

    private static PackageAnalysis Analyze(LoadedPackage package, PackageLimits? limits = null) =>
        new PackageAnalyzer(null, limits).Analyze(package, TestContext.Current.CancellationToken);

    [Fact]
    public void SkippedCode_IsCountedByReasonAndReportedOnce()
    {
        var analysis = Analyze(Package(
            Text("index.js", "module.exports = 1;"),
            Text("src/a.ts", "export const a: number = 1;"),
            Text("src/b.tsx", "export const B = () => <div/>;"),
            Text("types/index.d.ts", "export declare const a: number;"),
            Text("view.jsx", "const v = <p/>;"),
            Text("broken.js", "function ( {"),
            ("bin/tool", s_elf),
            Text("scripts/setup.sh", "#!/bin/sh\necho hi"),
            Text("README.md", "# readme")));

        var c = analysis.Coverage;
        Assert.Equal("cov@1.0.0", c.Package);
        Assert.Equal(9, c.Files);
        Assert.Equal(1, c.Analysed);
        Assert.Equal(new Dictionary<string, int>
        {
            ["binary"] = 1, ["jsx"] = 1, ["other-script"] = 1, ["parse-error"] = 1, ["typescript"] = 2,
        }, c.Skipped);
        Assert.False(c.Truncated);
        var finding = Assert.Single(analysis.Findings, f => f.RuleId == "MCPG222");
        Assert.Equal(Severity.Low, finding.Severity);
        Assert.Contains("6 file(s) of cov@1.0.0 were not analysed", finding.Message, StringComparison.Ordinal);
        Assert.Contains("2 typescript (src/a.ts, src/b.tsx)", finding.Message, StringComparison.Ordinal);
        Assert.Equal(2, finding.Evidence!["typescript"]!.GetValue<int>());
    }

    [Fact]
    public void PlainJavaScriptPackage_HasNoCoverageFinding()
    {
        var analysis = Analyze(Package(Text("index.js", "module.exports = 1;"), Text("lib/x.mjs", "export default 2;"),
            Text("types/index.d.ts", "export declare const a: number;"), Text("package.json", "{}")));

        Assert.DoesNotContain(analysis.Findings, f => f.RuleId == "MCPG222");
        Assert.Equal(2, analysis.Coverage.Analysed);
        Assert.Empty(analysis.Coverage.Skipped);
    }

    [Fact]
    public void JavaScriptOverTheSizeLimit_IsTooLarge()
    {
        var analysis = Analyze(Package(Text("dist/bundle.js", "var a = 1;" + new string(' ', 200))), new PackageLimits { MaxJavaScriptBytes = 100 });

        Assert.Equal(1, analysis.Coverage.Skipped["too-large"]);
        Assert.Equal(0, analysis.Coverage.Analysed);
        Assert.Contains("1 too-large (dist/bundle.js)", Assert.Single(analysis.Findings, f => f.RuleId == "MCPG222").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WebAssemblyByMagic_IsBinaryEvenWithoutItsExtension()
    {
        var analysis = Analyze(Package(("lib/engine.dat", [0x00, (byte)'a', (byte)'s', (byte)'m', 1, 0, 0, 0])));

        Assert.Equal(1, analysis.Coverage.Skipped["binary"]);
    }

    private static byte[] Tarball(params (string Name, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }

            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/link") { LinkName = "/etc/passwd" });
        }

        return buffer.ToArray();
    }

    [Fact]
    public void Tarball_OverLimitAndRejectedEntries_AreInTheCoverage()
    {
        var bytes = Tarball(("package/package.json", """{ "name": "t", "version": "1.0.0" }"""), ("package/index.js", "1;"), ("package/big.js", new string('a', 2000)));

        var package = new PackageLoader(null, new PackageLimits { MaxFileBytes = 1000 }).FromTarballBytes(bytes, "t.tgz");
        var analysis = Analyze(package);

        Assert.Equal(4, analysis.Coverage.Files);
        Assert.Equal(1, analysis.Coverage.Analysed);
        Assert.Equal(1, analysis.Coverage.Skipped["over-limit"]);
        Assert.Equal(1, analysis.Coverage.Skipped["rejected"]);
        Assert.Contains("2 file(s) of t@1.0.0 were not analysed", Assert.Single(analysis.Findings, f => f.RuleId == "MCPG222").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tarball_StoppedByEntryLimit_IsTruncated()
    {
        var bytes = Tarball(("package/a.js", "1;"), ("package/b.js", "2;"), ("package/c.js", "3;"));

        var analysis = Analyze(new PackageLoader(null, new PackageLimits { MaxEntries = 2 }).FromTarballBytes(bytes, "t.tgz"));

        Assert.True(analysis.Coverage.Truncated);
        Assert.Equal(2, analysis.Coverage.Analysed);
        Assert.Contains("later files were not seen", analysis.Coverage.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void LoadedTarball_StreamsItsFiles_AndEachEnumerationRereadsThem()
    {
        var bytes = Tarball(("package/package.json", """{ "name": "s", "version": "1.0.0", "type": "module" }"""), ("package/a.js", "export const a = 1;"));

        var package = new PackageLoader(null).FromTarballBytes(bytes, "s.tgz");

        Assert.NotNull(package.Source);
        Assert.Equal("module", package.Manifest!["type"]!.GetValue<string>());
        var first = package.EnumerateFiles().Select(f => f.Path).ToArray();
        var second = package.EnumerateFiles().Select(f => f.Path).ToArray();
        Assert.Equal(["package.json", "a.js"], first);
        Assert.Equal(first, second);

        // The rejected link is reported once, from the load, not again by each re-read.
        Assert.Single(Analyze(package).Findings, f => f.RuleId == "MCPG200");
    }

    [Fact]
    public void TarballFile_IsReadFromDiskWhenAnalysed_NotHeldInMemory()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "p.tgz");
        var bytes = Tarball(("package/package.json", """{ "name": "p", "version": "1.0.0" }"""), ("package/index.js", "exports.a = 1;"));
        System.IO.File.WriteAllBytes(path, bytes);

        var package = new PackageLoader(null).FromTarball(path);

        Assert.Equal(SriIntegrity.Sha512Of(bytes), package.Integrity);
        Assert.Equal("p@1.0.0", package.DisplayName);
        Assert.Equal(1, Analyze(package).Coverage.Analysed);

        // The analysis re-reads the file: once it is gone, that is a load error naming it, not a silent empty package.
        System.IO.File.Delete(path);
        var ex = Assert.Throws<PackageLoadException>(() => Analyze(package));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadedFolder_StreamsItsFilesWithTheSameFindingsAsBefore()
    {
        using var temp = new TempDirectory();
        System.IO.File.WriteAllText(Path.Combine(temp.Path, "package.json"), """{ "name": "d", "version": "3.0.0" }""");
        System.IO.File.WriteAllText(Path.Combine(temp.Path, "index.ts"), "export const x: number = 1;");
        System.IO.File.WriteAllText(Path.Combine(temp.Path, "index.js"), "exports.x = 1;");

        var package = new PackageLoader(null).FromDirectory(temp.Path);
        var analysis = Analyze(package);

        Assert.Equal("d@3.0.0", package.DisplayName);
        Assert.Equal(3, analysis.Coverage.Files);
        Assert.Equal(1, analysis.Coverage.Skipped["typescript"]);
    }

    [Fact]
    public void Diff_ReportsNewVersionsSkippedFilesWithoutScoringThem()
    {
        var oldP = Package(Text("index.js", "module.exports = 1;"), Text("src/index.ts", "export const a = 1;"));
        var newP = Package(Text("index.js", "module.exports = 2;"), Text("src/index.ts", "export const a = 2;"), Text("src/extra.ts", "export const b = 1;")) with { Version = "1.0.1" };

        var result = new PackageDiffer(new PackageAnalyzer()).Diff(oldP, newP, TestContext.Current.CancellationToken);

        Assert.Equal(["cov@1.0.0", "cov@1.0.1"], result.Coverage.Select(c => c.Package).ToArray());
        Assert.Equal([1, 2], result.Coverage.Select(c => c.Skipped["typescript"]).ToArray());
        var finding = Assert.Single(result.Findings, f => f.RuleId == "MCPG222");
        Assert.Contains("cov@1.0.1", finding.Message, StringComparison.Ordinal);
        Assert.Contains("not part of this diff", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Items, i => i.Finding.RuleId == "MCPG222" || i.Finding.Message.Contains("MCPG222", StringComparison.Ordinal));
        Assert.Equal("ok", result.Verdict.Decision);
        Assert.Equal(0, result.Verdict.Score);
    }
}
