using System.CommandLine;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Lock;

namespace McpGuard.Cli.Commands;

/// <summary>Options update and pin share: lock file, home folder (whose client configs are rewritten), registry, audit, launch.</summary>
internal sealed class UpdateOptions
{
    public Option<string?> Lock { get; } = new("--lock") { Description = "Lock file to read and move (default: ./mcpguard.lock.json)." };

    public Option<string?> Home { get; } = new("--home") { Description = "Rewrite the client configs under this home folder instead of yours." };

    public Option<string?> Audit { get; } = new("--audit") { Description = "Record the approval in this audit log (default: the audit store in the data folder)." };

    public Option<string> Sandbox { get; } = new("--sandbox")
    {
        Description = "Confinement for starting the new version to pin its tools: auto (best available), bwrap, or none (unconfined).",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string[]> PassEnv { get; } = new("--pass-env")
    {
        Description = "Pass this environment variable to the started server (repeatable). Only PATH, HOME, locale and temp basics pass otherwise.",
    };

    public PackageSourceOptions Sources { get; } = new();

    /// <summary>Adds the options; <paramref name="startsServers"/> (update) adds the tarball cache, --sandbox and --pass-env too.</summary>
    public void AddTo(Command command, bool startsServers)
    {
        Sandbox.AcceptOnlyFromAmong("auto", "bwrap", "none");
        command.Add(Lock);
        command.Add(Home);
        command.Add(Sources.Registry);
        command.Add(Audit);
        if (startsServers)
        {
            command.Add(Sources.Cache);
            command.Add(Sandbox);
            command.Add(PassEnv);
        }
    }

    public string LockPath(ParseResult parse, CliContext context) =>
        Path.GetFullPath(parse.GetValue(Lock) ?? LockFile.DefaultFileName, context.WorkingDirectory);

    /// <summary>The configs to rewrite: the user's (or --home's) client configs, plus the working folder's project configs.</summary>
    public DiscoveryOptions Discovery(ParseResult parse, CliContext context)
    {
        var explicitHome = parse.GetValue(Home);
        return new DiscoveryOptions
        {
            Home = explicitHome is null ? ScanCommand.UserHome(context) : Path.GetFullPath(explicitHome, context.WorkingDirectory),
            HomeOverridden = explicitHome is not null,
            ProjectFolders = explicitHome is null ? [context.WorkingDirectory] : [],
            Environment = context.GetEnvironmentVariable,
        };
    }
}
