using McpGuard.Core.Secrets;
using Microsoft.Extensions.Logging;

namespace McpGuard.Cli.Commands;

/// <summary>
/// Warnings and errors of a component `run` hosts (the egress proxy) as one stderr line each, `mcpguard: MESSAGE`,
/// which MCP clients show in the server's log. Why not Microsoft.Extensions.Logging.Console: it writes to the
/// process's console from a background queue, and `run`'s stdout is the MCP protocol; this writes to the command's
/// own error writer (which tests capture) at once. The exception is never printed: its text may quote a request; and
/// the message is redacted, because its values (a host, a system error) come from outside.
/// </summary>
internal sealed class StderrLogger(TextWriter error, ISecretRedactor redactor) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            error.WriteLine($"mcpguard: {redactor.Redact(formatter(state, null))}");
        }
    }
}
