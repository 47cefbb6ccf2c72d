using Spectre.Console;

namespace McpGuard.Cli;

/// <summary>
/// Everything a command may touch outside its arguments: the output streams, the console for tables and
/// progress, the environment and the working directory. Tests pass their own to run commands in-process.
/// </summary>
internal sealed class CliContext
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }
    public required IAnsiConsole Console { get; init; }

    /// <summary>Progress and narration go here (stderr), so that stdout stays machine-readable.</summary>
    public required IAnsiConsole StatusConsole { get; init; }
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;
    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;
    public Stream? StandardInput { get; init; }
    public Stream? StandardOutput { get; init; }

    public static CliContext FromProcess() => new()
    {
        Out = System.Console.Out,
        Error = System.Console.Error,
        Console = AnsiConsole.Console,
        StatusConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) }),
    };

    /// <summary>A context over string writers with no colours, for tests and for capturing output.</summary>
    public static CliContext ForWriters(TextWriter stdout, TextWriter stderr, Func<string, string?>? env = null, string? workingDirectory = null)
    {
        static IAnsiConsole Plain(TextWriter w)
        {
            var c = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(w),
            });
            c.Profile.Width = 160;
            return c;
        }

        return new CliContext
        {
            Out = stdout,
            Error = stderr,
            Console = Plain(stdout),
            StatusConsole = Plain(stderr),
            GetEnvironmentVariable = env ?? (_ => null),
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
    }
}
