namespace McpGuard.Runtime.Sandbox;

/// <summary>The launch spec cannot be sandboxed as given (missing command, relative or missing path).</summary>
public sealed class SandboxLaunchException(string message) : Exception(message);
