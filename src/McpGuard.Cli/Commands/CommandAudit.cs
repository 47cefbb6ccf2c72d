using McpGuard.Audit;

namespace McpGuard.Cli.Commands;

/// <summary>
/// The audit log one command writes to (`run`, `pin`, `update`), with every problem its journal imports find printed
/// on stderr once, when it is found: at open (journals left by killed processes, imported first), during the session
/// (the background import, e.g. a journal another `run` left damaged when it was killed, or a database locked past
/// the busy timeout), and at close (the last import of this process's own journal). A journal is imported once, so
/// whichever import meets a problem must say so then, or nobody ever hears of it.
/// </summary>
internal sealed class CommandAudit : IAsyncDisposable
{
    private CommandAudit(IAuditSink sink)
    {
        Sink = sink;
    }

    public IAuditSink Sink { get; }

    /// <summary>Opens --audit PATH (or the default location) through <see cref="RunServices.OpenAudit"/>; its import problems are printed as they are found.</summary>
    public static CommandAudit Open(RunServices services, string? path, CliContext context) =>
        new(services.OpenAudit(path, services.Redactor, context, problem => Warn(context.Error, problem)));

    /// <summary>Closes the log; its last import runs here and prints what it could not do (the records stay in the journal for the next reader).</summary>
    public ValueTask DisposeAsync() => Sink.DisposeAsync();

    /// <summary>
    /// One stderr line (which a client shows) per problem; problems name files, byte offsets and counts, never a
    /// record's content. Called on the store's import thread too, so the line is written under the writer's lock,
    /// the one the proxy's own warnings take (GuardSession.Warn): whole lines, never interleaved, also with a writer
    /// that is not synchronized itself (Console.Error is; a test's StringWriter is not). A callback rather
    /// than a queue drained by the command: nothing in `run` would drain it until the session ends, which is what
    /// made problems found mid-session get lost.
    /// </summary>
    private static void Warn(TextWriter error, string problem)
    {
        try
        {
            lock (error)
            {
                error.WriteLine($"mcpguard: warning: {problem}");
                error.Flush();
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Fail open: stderr is gone (the client closed it); auditing goes on, and an exception here would end the
            // store's import thread.
        }
    }
}
