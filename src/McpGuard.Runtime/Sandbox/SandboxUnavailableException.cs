namespace McpGuard.Runtime.Sandbox;

/// <summary>A sandbox cannot be built here; <see cref="Remedy"/> says how to fix it. Never carries a secret.</summary>
public sealed class SandboxUnavailableException(string reason, string remedy)
    : Exception($"cannot build the server sandbox: {reason}. Fix: {remedy}")
{
    public string Reason { get; } = reason;
    public string Remedy { get; } = remedy;
}
