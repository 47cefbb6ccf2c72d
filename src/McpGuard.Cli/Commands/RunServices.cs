using McpGuard.Audit;
using McpGuard.Audit.Journal;
using McpGuard.Core;
using McpGuard.Core.Secrets;
using McpGuard.Core.Tools;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;
using McpGuard.Verify.Analysis.ToolDescriptions;

namespace McpGuard.Cli.Commands;

/// <summary>
/// The collaborators `run`, `lock` and `approve` use, in one place: the sandbox (bubblewrap, or unconfined when
/// asked), the hash-chained SQLite audit store, the tool-description scanner, the secret redactor and the in-flight
/// call registry the egress proxy reads. Tests replace single members.
/// </summary>
internal sealed record RunServices
{
    /// <summary>Picks the launcher for --sandbox; throws UserInputException when a required sandbox cannot be built.</summary>
    public Func<SandboxMode, BubblewrapOptions, CancellationToken, Task<SandboxSelection>> SelectSandbox { get; init; } =
        (mode, options, ct) => SandboxLauncherFactory.CreateAsync(mode, options, () => new ProcessServerLauncher(), ct);

    /// <summary>
    /// Opens the audit store for --audit PATH, or the default location under the data folder: the journaled store,
    /// whose commit is one write to this process's journal. Synchronous=Normal: a commit survives a kill -9 of
    /// mcpguard at any moment (what the proxy promises); only a power cut can lose the last commits, and an fsync per
    /// forwarded message would cost ~1 ms of latency (bench/README.md, audit). The last argument gets each import
    /// problem once, when first found, on whichever thread found it (<see cref="JournaledAuditStore.Open"/>).
    /// </summary>
    public Func<string?, ISecretRedactor, CliContext, Action<string>, IAuditSink> OpenAudit { get; init; } =
        (path, redactor, context, reportProblem) => JournaledAuditStore.Open(
            AuditLocation.ResolvePath(path, context.GetEnvironmentVariable, context.WorkingDirectory),
            redactor,
            new SqliteAuditStoreOptions { Synchronous = AuditSynchronous.Normal },
            reportProblem);

    public IToolDescriptionScanner? Scanner { get; init; } = new ToolDescriptionScanner();
    public ISecretRedactor Redactor { get; init; } = new SecretRedactor();
    public IInFlightCallRegistry Calls { get; init; } = new InFlightCallRegistry();

    public static RunServices Default { get; } = new();

    /// <summary>
    /// Resolves --sandbox auto|bwrap|none into a launcher. The McpGuard data folder (CA key, audit log, intel) is
    /// always masked inside the sandbox. Prints the factory's warning when the server runs unconfined.
    /// </summary>
    public async Task<SandboxSelection> SelectLauncherAsync(string? sandbox, CliContext context, CancellationToken cancellationToken)
    {
        var mode = SandboxModes.Parse(sandbox);
        var options = new BubblewrapOptions { ProtectedPaths = [DataDirectory.Resolve(context.GetEnvironmentVariable)] };
        var selection = await SelectSandbox(mode, options, cancellationToken);
        if (selection.Warning is { } warning)
        {
            context.Error.WriteLine($"mcpguard: {warning}");
        }

        return selection;
    }
}
