using McpGuard.Cli.Commands;
using Microsoft.Extensions.Logging;

namespace McpGuard.Cli.Tests;

/// <summary>The egress proxy's log as `run` prints it: warnings and errors only, one line each, never the exception's text.</summary>
public sealed class StderrLoggerTests
{
    [Fact]
    public void WarningsAndErrors_OneLineEach_InformationAndExceptionTextLeftOut()
    {
        var error = new StringWriter();
        ILogger logger = new StderrLogger(error);

        logger.LogInformation("egress proxy listening");
        logger.LogWarning("egress upstream {Host} failed: {Reason}", "api.example.test", "Connection refused");
        logger.LogError(new InvalidOperationException("body quoted: Bearer sk-live-123"), "egress inspection failed; request blocked");

        Assert.Equal(
            ["mcpguard: egress upstream api.example.test failed: Connection refused", "mcpguard: egress inspection failed; request blocked"],
            error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.False(logger.IsEnabled(LogLevel.None));
    }
}
