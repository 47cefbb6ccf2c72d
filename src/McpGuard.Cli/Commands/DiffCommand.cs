using System.CommandLine;
using McpGuard.Core.Reports;
using McpGuard.Core.Tools;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Diff;

namespace McpGuard.Cli.Commands;

/// <summary><c>mcpguard diff OLD NEW</c>: what the new version adds, scored into a block/review/ok verdict.</summary>
internal static class DiffCommand
{
    public static Command Create(CliContext context, IToolDescriptionScanner? toolScanner = null)
    {
        var oldArg = new Argument<string>("old") { Description = "The approved version: name@version, a .tgz file or a folder." };
        var newArg = new Argument<string>("new") { Description = "The candidate version: name@version, a .tgz file or a folder." };
        var deep = new Option<bool>("--deep") { Description = "Also fetch and analyse dependencies that were added or changed." };
        var sources = new PackageSourceOptions();
        var report = new ReportOptions();
        var command = new Command("diff", "Review what a new version of a package adds compared with the approved one (block / review / ok).");
        command.Add(oldArg);
        command.Add(newArg);
        command.Add(deep);
        sources.AddTo(command);
        report.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = sources.CreateHttpClient();
            var loader = sources.CreateLoader(parse, context, http);
            var oldPackage = await PackageSourceOptions.LoadAsync(loader, parse.GetValue(oldArg)!, "old", context, cancellationToken);
            var newPackage = await PackageSourceOptions.LoadAsync(loader, parse.GetValue(newArg)!, "new", context, cancellationToken);
            var differ = new PackageDiffer(new PackageAnalyzer(toolScanner, loader.Limits), loader);
            var result = await PackageSourceOptions.AnalyseAsync(
                () => differ.DiffAsync(oldPackage, newPackage, new DiffOptions { Deep = parse.GetValue(deep) }, cancellationToken),
                $"{parse.GetValue(oldArg)} {parse.GetValue(newArg)}", "diff");
            var code = report.Emit(parse, Report.Create([], result.Findings, verdict: result.Verdict, coverage: result.Coverage), context);

            // A block verdict fails the run even when --fail-on is set above every individual finding.
            return result.Verdict.Decision == "block" ? Math.Max(code, ExitCodes.Findings) : code;
        });
        return command;
    }
}
