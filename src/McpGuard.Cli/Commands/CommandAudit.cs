using McpGuard.Audit;
using McpGuard.Audit.Journal;

namespace McpGuard.Cli.Commands;

/// <summary>
/// The audit log one command writes to (`run`, `pin`, `update`), with the journaled store's import problems printed
/// twice: when it opens (journals left by killed processes, imported first) and after it closes (the last import of
/// this process's own journal). A journal that is imported once is not reported again, so whichever command imports
/// it must say what could not be imported, or nobody ever hears of it.
/// </summary>
internal sealed class CommandAudit : IAsyncDisposable
{
    private readonly CliContext _context;

    private CommandAudit(IAuditSink sink, CliContext context)
    {
        Sink = sink;
        _context = context;
    }

    public IAuditSink Sink { get; }

    /// <summary>Opens --audit PATH (or the default location) through <see cref="RunServices.OpenAudit"/> and warns about what the first import could not do.</summary>
    public static CommandAudit Open(RunServices services, string? path, CliContext context)
    {
        var audit = new CommandAudit(services.OpenAudit(path, services.Redactor, context), context);
        audit.WarnImportProblems();
        return audit;
    }

    /// <summary>Closes the log (its last import runs here) and warns about what that import could not do; its records stay in the journal for the next reader.</summary>
    public async ValueTask DisposeAsync()
    {
        await Sink.DisposeAsync();
        WarnImportProblems();
    }

    /// <summary>One stderr line (which a client shows) per problem; problems name files, byte offsets and counts, never a record's content.</summary>
    private void WarnImportProblems()
    {
        if (Sink is JournaledAuditStore journaled)
        {
            foreach (var problem in journaled.ImportProblems)
            {
                _context.Error.WriteLine($"mcpguard: warning: {problem}");
            }
        }
    }
}
