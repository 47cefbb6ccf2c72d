namespace McpGuard.Core;

/// <summary>
/// Bad input from the user (a missing file, a malformed argument). The CLI prints the message as one line on
/// stderr and exits 2; the message must name the file or argument and must never contain a secret.
/// </summary>
public sealed class UserInputException(string message, Exception? inner = null) : Exception(message, inner);
