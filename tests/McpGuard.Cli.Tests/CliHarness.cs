namespace McpGuard.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output, as a user would from a shell.</summary>
internal static class CliHarness
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public static async Task<Result> RunAsync(params string[] args) => await RunAsync(args, env: null);

    public static async Task<Result> RunAsync(string[] args, Func<string, string?>? env, string? workingDirectory = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = CliContext.ForWriters(stdout, stderr, env, workingDirectory);
        var code = await CliApp.RunAsync(args, context, TestContext.Current.CancellationToken);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }
}
