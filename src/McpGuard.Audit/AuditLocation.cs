using McpGuard.Core;
using McpGuard.Core.Secrets;

namespace McpGuard.Audit;

/// <summary>
/// Turns the <c>--audit</c> option into a store: a path (default <c>&lt;data dir&gt;/audit.db</c>, see
/// <see cref="DataDirectory"/>). The composition root calls <see cref="OpenSink"/> for `mcpguard run` and
/// <see cref="ResolvePath"/> + <see cref="AuditLogReader.Open"/> for the read-only commands.
/// </summary>
public static class AuditLocation
{
    public const string DefaultFileName = "audit.db";

    /// <summary>The file an <c>--audit</c> value names, relative to <paramref name="workingDirectory"/>; the default when null.</summary>
    public static string ResolvePath(string? auditOption, Func<string, string?>? getEnvironmentVariable = null, string? workingDirectory = null)
    {
        if (string.IsNullOrWhiteSpace(auditOption))
        {
            return Path.Combine(DataDirectory.Resolve(getEnvironmentVariable), DefaultFileName);
        }

        if (auditOption.Contains("://", StringComparison.Ordinal))
        {
            // Never echo the value: a connection URL may carry a password.
            throw new UserInputException("--audit: only a file path is supported for now (a URL was given).");
        }

        return Path.GetFullPath(auditOption, workingDirectory ?? Environment.CurrentDirectory);
    }

    /// <summary>Opens the sink `mcpguard run` appends to (creating the database and the data folder, 0700, when missing).</summary>
    public static IAuditSink OpenSink(string? auditOption, ISecretRedactor redactor, Func<string, string?>? getEnvironmentVariable = null, string? workingDirectory = null) =>
        SqliteAuditStore.Open(ResolvePath(auditOption, getEnvironmentVariable, workingDirectory), redactor);
}
