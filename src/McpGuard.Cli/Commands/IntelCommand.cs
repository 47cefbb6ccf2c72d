using System.CommandLine;
using McpGuard.Core.Intel;

namespace McpGuard.Cli.Commands;

/// <summary><c>mcpguard intel import DIR</c> and <c>mcpguard intel status</c>: manage the local advisory store that scan uses.</summary>
internal static class IntelCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("intel", "Manage known-malicious package intel (built-in indicators and imported OSV advisories).");
        command.Add(Import(context));
        command.Add(Status(context));
        return command;
    }

    private static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Intel store folder (default: $MCPGUARD_HOME, else $XDG_DATA_HOME/mcpguard, else ~/.local/share/mcpguard).",
    };

    private static IntelStore Store(CliContext context, string? dataDir) => new(dataDir is null
        ? IntelStore.DefaultDataDirectory(context.GetEnvironmentVariable, ScanCommand.UserHome(context))
        : Path.GetFullPath(dataDir, context.WorkingDirectory));

    private static Command Import(CliContext context)
    {
        var dir = new Argument<string>("DIR") { Description = "Folder of OSV advisories (ossf/malicious-packages layout, MAL-*.json at any depth)." };
        var dataDir = DataDir();
        var command = new Command("import", "Import OSV advisories into the local intel store; later scans use them automatically.");
        command.Add(dir);
        command.Add(dataDir);
        command.SetAction((parse, cancellationToken) =>
        {
            var source = Path.GetFullPath(parse.GetValue(dir)!, context.WorkingDirectory);
            var result = OsvImporter.ImportDirectory(source, cancellationToken);
            var store = Store(context, parse.GetValue(dataDir));
            var total = store.Save(result.Intel);
            context.Out.WriteLine($"Imported {result.Advisories} advisories from {source} ({result.FilesRead} files, {result.Withdrawn} withdrawn skipped, {result.Problems.Count} unreadable).");
            foreach (var p in result.Problems.Take(10))
            {
                context.Error.WriteLine($"warning: {p}");
            }

            context.Out.WriteLine($"Intel store {store.ImportedFile} now holds {total} advisories.");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Status(CliContext context)
    {
        var dataDir = DataDir();
        var command = new Command("status", "Show how many advisories and indicators scan will use.");
        command.Add(dataDir);
        command.SetAction(parse =>
        {
            var store = Store(context, parse.GetValue(dataDir));
            var imported = store.Load();
            var db = imported is null ? IntelDatabase.BuiltIn : IntelDatabase.Create([imported]);
            context.Out.WriteLine($"Built-in: {IntelDatabase.BuiltIn.AdvisoryCount} advisories, {IntelDatabase.BuiltIn.KnownBadEmailAddresses.Count} addresses, {IntelDatabase.BuiltIn.KnownBadDomains.Count} domains.");
            context.Out.WriteLine(imported is null
                ? $"Imported: none ({store.ImportedFile} does not exist; run 'mcpguard intel import DIR')."
                : $"Imported: {imported.AdvisoryCount} advisories in {store.ImportedFile}.");
            context.Out.WriteLine($"Total used by scan: {db.AdvisoryCount} advisories.");
            return 0;
        });
        return command;
    }
}
