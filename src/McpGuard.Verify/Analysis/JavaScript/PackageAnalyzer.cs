using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Acornima;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.Core.Rules;
using McpGuard.Core.Tools;
using McpGuard.Verify.Packages;
using SourceLocation = McpGuard.Core.Findings.SourceLocation;

namespace McpGuard.Verify.Analysis.JavaScript;

/// <summary>
/// Static analysis of one loaded package: manifest rules, every JavaScript file (Acornima, module then script),
/// bundled binaries, MCP tool extraction (handed to the optional tool-description scanner), and the behaviour
/// fingerprint the diff compares. Files are analysed one at a time, so memory follows the largest file.
/// </summary>
public sealed class PackageAnalyzer(IToolDescriptionScanner? toolScanner = null, PackageLimits? limits = null)
{
    private readonly PackageLimits _limits = limits ?? PackageLimits.Default;

    public PackageAnalysis Analyze(LoadedPackage package, CancellationToken cancellationToken = default)
    {
        var findings = new List<Finding>(package.ReadFindings);
        var facts = new List<BehaviourFact>();
        var tools = new List<ToolDefinition>();
        var own = ManifestAnalyzer.OwnDomains(package.Manifest);
        var manifestResult = new FileResult();
        ManifestAnalyzer.Analyze(package.Manifest, manifestResult);
        findings.AddRange(manifestResult.Findings);
        facts.AddRange(manifestResult.Facts);

        var isModule = package.Manifest?["type"] is System.Text.Json.Nodes.JsonValue type && type.TryGetValue<string>(out var t) && t == "module";
        var anySpawn = false;
        var binaries = new List<Finding>();
        var coverage = new CoverageCounter(package);

        // One file at a time: a streamed package is read entry by entry, and nothing below keeps a file's bytes or
        // AST after its iteration, so memory follows the largest file, not the package.
        foreach (var file in package.EnumerateFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            coverage.Read(file);
            if (BinaryKind(file.Content) is { } kind)
            {
                coverage.Skip(CoverageReasons.Binary, file.Path);
                var sha = Convert.ToHexStringLower(SHA256.HashData(file.Content));
                facts.Add(new BehaviourFact(FactKind.Binary, $"{file.Path}:{sha[..16]}", null, file.Path, 1, null));
                binaries.Add(FindingFactory.Create(AnalysisRules.BundledBinary,
                    $"{file.Path} is a {kind} executable ({file.Content.Length} bytes, SHA-256 {sha}); its code cannot be reviewed statically.",
                    location: new SourceLocation { File = file.Path },
                    evidence: new JsonObject { ["sha256"] = sha, ["format"] = kind }));
                continue;
            }

            if (!IsJavaScript(file.Path))
            {
                if (CoverageCounter.NotAnalysedCode(file) is { } reason)
                {
                    coverage.Skip(reason, file.Path);
                }

                continue;
            }

            var result = AnalyzeFile(file, own, isModule);
            if (result.NotAnalysed is { } why)
            {
                coverage.Skip(why, file.Path);
            }
            else
            {
                coverage.Analysed++;
            }

            anySpawn |= result.HasSpawn;
            findings.AddRange(result.Findings);
            facts.AddRange(result.Facts);
            foreach (var (tool, line) in result.Tools)
            {
                if (tools.Any(t => t.Name == tool.Name))
                {
                    continue;
                }

                tools.Add(tool);
                if (toolScanner is not null)
                {
                    foreach (var f in toolScanner.Scan(tool))
                    {
                        findings.Add(f with { Location = f.Location ?? new SourceLocation { File = file.Path, Line = line } });
                    }
                }
            }
        }

        // Capability x threat: a binary the package's own code can launch is far more likely to be a dropper.
        findings.AddRange(anySpawn ? binaries.Select(b => b with { Severity = Severity.High }) : binaries);
        findings = Correlate(findings, package);
        if (coverage.Finding() is { } notAnalysed)
        {
            findings.Add(notAnalysed);
        }

        var ordered = findings
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.Location?.File, StringComparer.Ordinal)
            .ThenBy(f => f.Location?.Line)
            .ToList();
        return new PackageAnalysis(package, ordered, facts, tools)
        {
            FilesAnalysed = coverage.Analysed,
            Coverage = coverage.ToCoverage(),
            BytesRead = coverage.Bytes,
        };
    }

    private static readonly HashSet<string> s_threatRules =
    [
        AnalysisRules.SensitiveFileRead.Id, AnalysisRules.SensitiveDataToNetwork.Id, AnalysisRules.EvalDecoded.Id, AnalysisRules.Obfuscation.Id,
        AnalysisRules.SilentProcess.Id, AnalysisRules.SuspiciousEgress.Id, AnalysisRules.EnvironmentSerialised.Id, AnalysisRules.TokenPattern.Id,
    ];

    /// <summary>
    /// Package-level capability × threat (GuardDog v3 style): single weak signals stay medium, combinations that
    /// only malware needs become high. Each escalation says why in its message.
    /// </summary>
    private static List<Finding> Correlate(List<Finding> findings, LoadedPackage package)
    {
        var hasBinary = findings.Any(f => f.RuleId == AnalysisRules.BundledBinary.Id);
        var hasHook = findings.Any(f => f.RuleId == AnalysisRules.InstallScript.Id);
        var harvests = findings.Any(f => f.RuleId == AnalysisRules.TokenPattern.Id) && findings.Any(f => f.RuleId == AnalysisRules.SensitiveFileRead.Id);
        var main = package.Manifest?["main"] is System.Text.Json.Nodes.JsonValue m && m.TryGetValue<string>(out var mainText) ? Normalise(mainText) : "index.js";
        var result = new List<Finding>(findings.Count);
        foreach (var f in findings)
        {
            var finding = f;
            if (f.RuleId == AnalysisRules.SilentProcess.Id && (hasBinary || hasHook))
            {
                finding = f with { Severity = Severity.High, Message = f.Message + " The package also ships an executable or an install script." };
            }
            else if (harvests && (f.RuleId == AnalysisRules.SensitiveFileRead.Id || f.RuleId == AnalysisRules.TokenPattern.Id))
            {
                finding = f with { Severity = Severity.High, Message = f.Message + " Together with token-shaped patterns this is a token harvester." };
            }
            else if (f.RuleId == AnalysisRules.InstallScript.Id && f.Severity == Severity.High
                && f.Evidence?["hook"]?.GetValue<string>() != "preinstall"
                && NodeScript(f.Evidence?["command"]?.GetValue<string>(), main) is { } target
                && !findings.Any(o => o.Location?.File == target && s_threatRules.Contains(o.RuleId)))
            {
                // "node file.js" in postinstall is common in benign packages; it is high only when that file does something a threat rule sees.
                finding = f with { Severity = Severity.Medium };
            }

            result.Add(finding);
        }

        return result;
    }

    /// <summary>The package file a hook like "node ." or "node scripts/x.js --flag" runs, or null for anything else.</summary>
    private static string? NodeScript(string? command, string main)
    {
        var m = System.Text.RegularExpressions.Regex.Match(command ?? "", @"^\s*node\s+([^\s;&|]+)(?:\s+--?[\w-]+)*\s*$");
        if (!m.Success)
        {
            return null;
        }

        var target = m.Groups[1].Value;
        if (target is "." or "./")
        {
            return main;
        }

        target = Normalise(target);
        return target.EndsWith(".js", StringComparison.Ordinal) || target.EndsWith(".mjs", StringComparison.Ordinal) || target.EndsWith(".cjs", StringComparison.Ordinal) ? target : target + ".js";
    }

    private static string Normalise(string path) => path.Replace('\\', '/').TrimStart('.', '/');

    /// <summary>Analyses one JavaScript source text (used by tests and benchmarks; the package path does the same per file).</summary>
    internal FileResult AnalyzeFile(PackageFile file, IReadOnlySet<string> ownDomains, bool packageIsModule = false)
    {
        var result = new FileResult();
        if (file.Content.Length > _limits.MaxJavaScriptBytes)
        {
            result.Findings.Add(FindingFactory.Create(AnalysisRules.ParseFailed,
                $"{file.Path} is {file.Content.Length} bytes, over the {_limits.MaxJavaScriptBytes}-byte JavaScript limit, and was not analysed.",
                location: new SourceLocation { File = file.Path }, severity: Severity.Medium));
            result.NotAnalysed = CoverageReasons.TooLarge;
            return result;
        }

        var source = Encoding.UTF8.GetString(file.Content);
        Acornima.Ast.Program program;
        try
        {
            program = Parse(source, file.Path, PrefersModule(file.Path, packageIsModule));
        }
        catch (ParseErrorException ex)
        {
            result.Findings.Add(FindingFactory.Create(AnalysisRules.ParseFailed,
                $"{file.Path} could not be parsed as JavaScript ({ex.Description} at line {ex.LineNumber}); its behaviour was not checked.",
                location: new SourceLocation { File = file.Path, Line = ex.LineNumber > 0 ? ex.LineNumber : null }));
            result.NotAnalysed = CoverageReasons.ParseError;
            return result;
        }
        catch (InsufficientExecutionStackException)
        {
            result.Findings.Add(FindingFactory.Create(AnalysisRules.ParseFailed,
                $"{file.Path} is nested too deeply to parse; its behaviour was not checked.",
                location: new SourceLocation { File = file.Path }, severity: Severity.Medium));
            result.NotAnalysed = CoverageReasons.ParseError;
            return result;
        }

        try
        {
            new JsFileWalker(file.Path, source, ownDomains, result).Run(program);
        }
        catch (InsufficientExecutionStackException)
        {
            // Fail visible, not silent: what was found so far stays, plus a finding that the rest was not seen.
            result.Findings.Add(FindingFactory.Create(AnalysisRules.ParseFailed,
                $"{file.Path} is nested too deeply to analyse completely.", location: new SourceLocation { File = file.Path }, severity: Severity.Medium));
            result.NotAnalysed = CoverageReasons.ParseError;
        }

        return result;
    }

    /// <summary>
    /// Parses as Node would load the file: .mjs (and .js in a "type": "module" package) as a module first, everything
    /// else as a CommonJS script first; the other goal is the fallback. Guessing right avoids a second full parse.
    /// </summary>
    internal static Acornima.Ast.Program Parse(string source, string path, bool moduleFirst = true)
    {
        try
        {
            return ParseAs(moduleFirst, source, path);
        }
        catch (ParseErrorException)
        {
            return ParseAs(!moduleFirst, source, path);
        }
    }

    internal static Acornima.Ast.Program ParseAs(bool module, string source, string path) =>
        module
            ? new Parser(s_moduleOptions).ParseModule(source, path)
            : new Parser(s_scriptOptions).ParseScript(source, path);

    private static readonly ParserOptions s_moduleOptions = Options(isModule: true);
    private static readonly ParserOptions s_scriptOptions = Options(isModule: false);

    internal static bool PrefersModule(string path, bool packageIsModule) =>
        path.EndsWith(".mjs", StringComparison.OrdinalIgnoreCase) || (packageIsModule && !path.EndsWith(".cjs", StringComparison.OrdinalIgnoreCase));

    // Regex literals are never converted to .NET Regex (nor validated): faster, and no ReDoS surface from hostile
    // patterns. The option is marked obsolete only because conversion itself is going away in Acornima 2.
#pragma warning disable CS0618
    private static ParserOptions Options(bool isModule) => new()
    {
        RegExpParseMode = RegExpParseMode.Skip,
        AllowHashBang = true,
        AllowAwaitOutsideFunction = isModule,
        AllowReturnOutsideFunction = true,
    };
#pragma warning restore CS0618

    private static bool IsJavaScript(string path) =>
        path.EndsWith(".js", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".mjs", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".cjs", StringComparison.OrdinalIgnoreCase);

    internal static string? BinaryKind(byte[] content)
    {
        if (content.Length < 64)
        {
            return null;
        }

        if (content[0] == 'M' && content[1] == 'Z')
        {
            // Require the PE header offset to point inside the file, so text starting with "MZ" is not a binary.
            var pe = BitConverter.ToInt32(content, 0x3C);
            return pe > 0 && pe < content.Length - 4 && content[pe] == 'P' && content[pe + 1] == 'E' ? "Windows (PE)" : null;
        }

        if (content[0] == 0x7F && content[1] == 'E' && content[2] == 'L' && content[3] == 'F')
        {
            return "Linux (ELF)";
        }

        var magic = BitConverter.ToUInt32(content, 0);
        return magic is 0xFEEDFACE or 0xFEEDFACF or 0xCEFAEDFE or 0xCFFAEDFE ? "macOS (Mach-O)" : null;
    }
}
