using McpGuard.Audit;
using McpGuard.Core;
using McpGuard.Core.Secrets;
using McpGuard.Core.Tools;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Proxy;

namespace McpGuard.Cli.Commands;

/// <summary>
/// The collaborators `run`, `lock` and `approve` use. The defaults are this branch's interim pieces; the lead swaps
/// in the SQLite audit store, the bubblewrap launcher and the real scanner/redactor here, in one place.
/// </summary>
internal sealed record RunServices
{
    /// <summary>Launcher for a --sandbox value (auto, bwrap, none); null when that mode is not available.</summary>
    public Func<string, IServerLauncher?> Launcher { get; init; } = sandbox => sandbox == "none" ? new ProcessServerLauncher() : null;

    /// <summary>Opens the audit sink for --audit PATH (null: no audit log).</summary>
    public Func<string?, IAuditSink?> OpenAudit { get; init; } = path => path is null ? null : new InterimJsonlAuditSink(path);

    public IToolDescriptionScanner? Scanner { get; init; }
    public ISecretRedactor Redactor { get; init; } = new InterimSecretRedactor();
    public IInFlightCallRegistry Calls { get; init; } = new InFlightCallRegistry();

    public static RunServices Default { get; } = new();

    /// <summary>
    /// Resolves --sandbox. auto falls back to unconfined only when no sandbox is available, with a loud warning;
    /// an explicitly requested sandbox that cannot be built refuses to start (fail closed).
    /// </summary>
    public IServerLauncher ResolveLauncher(string sandbox, TextWriter error)
    {
        if (Launcher(sandbox) is { } launcher)
        {
            if (sandbox == "none")
            {
                WarnUnconfined(error, "--sandbox none");
            }

            return launcher;
        }

        if (sandbox == "auto" && Launcher("none") is { } fallback)
        {
            WarnUnconfined(error, "no sandbox is available in this build (--sandbox auto)");
            return fallback;
        }

        throw new UserInputException($"--sandbox {sandbox}: this sandbox is not available here; use --sandbox none to run unconfined");
    }

    private static void WarnUnconfined(TextWriter error, string why) =>
        error.WriteLine($"mcpguard: WARNING: the MCP server runs UNCONFINED ({why}): it can read your files and reach the network directly.");
}
