namespace McpGuard.Verify.Packages;

/// <summary>A package could not be obtained or was refused (not found, integrity mismatch, too large). The message names it.</summary>
public sealed class PackageLoadException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when the refusal is a security decision (integrity mismatch), not a missing or broken input.</summary>
    public bool IntegrityFailure { get; init; }
}
