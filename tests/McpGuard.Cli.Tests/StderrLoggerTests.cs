using McpGuard.Cli.Commands;
using McpGuard.Core.Secrets;
using Microsoft.Extensions.Logging;

namespace McpGuard.Cli.Tests;

/// <summary>The egress proxy's log as `run` prints it: warnings and errors only, one line each, never the exception's text.</summary>
public sealed class StderrLoggerTests
{
    [Fact]
    public void WarningsAndErrors_OneLineEach_InformationAndExceptionTextLeftOut()
    {
        var error = new StringWriter();
        ILogger logger = new StderrLogger(error, new SecretRedactor());

        logger.LogInformation("egress proxy listening");
        logger.LogWarning("egress upstream {Host} failed: {Reason}", "api.example.test", "Connection refused");
        logger.LogError(new InvalidOperationException("body quoted: Bearer sk-live-123"), "egress inspection failed; request blocked");

        Assert.Equal(
            ["mcpguard: egress upstream api.example.test failed: Connection refused", "mcpguard: egress inspection failed; request blocked"],
            error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.False(logger.IsEnabled(LogLevel.None));
    }

    [Fact]
    public void SecretInAMessageValue_IsRedacted()
    {
        var error = new StringWriter();
        var token = "ghp_" + string.Concat(Enumerable.Repeat("aB3d", 9));
        ILogger logger = new StderrLogger(error, new SecretRedactor());

        logger.LogWarning("egress upstream {Host} failed: {Reason}", "api.example.test", $"rejected token {token}");

        Assert.DoesNotContain(token, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("[REDACTED:github-token]", error.ToString(), StringComparison.Ordinal);
    }
}
