using System.CommandLine;
using McpGuard.Core;
using McpGuard.Runtime.Processes;
using McpGuard.Verify.Lock;

namespace McpGuard.Cli.Commands;

/// <summary>Options shared by run, lock and approve: which server, how to launch it, which lock file.</summary>
internal sealed class ServerLaunchOptions
{
    public Option<string?> Name { get; } = new("--name")
    {
        Description = "The server's name (key in the lock and policy files). Default: the lock entry with the same command, else the npm package name, else the script name.",
    };

    public Option<string?> Lock { get; } = new("--lock")
    {
        Description = "Lock file with the approved tools and package (default: ./mcpguard.lock.json).",
    };

    public Option<string[]> PassEnv { get; } = new("--pass-env")
    {
        Description = "Pass this environment variable to the server (repeatable). Only PATH, HOME, locale and temp basics pass otherwise.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> PassEnvFile { get; } = new("--pass-env-file")
    {
        HelpName = "FILE",
        Description = "Pass every variable this dotenv file names (VS Code's envFile; repeatable). Only the names are read from FILE; the values come from mcpguard's own environment, which the client set, as with --pass-env. A missing or unreadable file stops the start (exit 2).",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string> Sandbox { get; } = new("--sandbox")
    {
        Description = "Confinement for the server: auto (best available), bwrap (bubblewrap, fail if unavailable) or none (unconfined, warned).",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string[]> ReadOnly { get; } = new("--ro")
    {
        Description = "Mount this path read-only inside the sandbox (repeatable). The server's package tree is mounted already.",
    };

    public Option<string[]> ReadWrite { get; } = new("--rw")
    {
        Description = "Mount this folder writable inside the sandbox (repeatable). Everything else outside /tmp is read-only.",
    };

    public Argument<string[]> Command { get; } = new("command")
    {
        Description = "The server command and its arguments, after --.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public ServerLaunchOptions AddTo(Command command, bool withCommand = true)
    {
        Sandbox.AcceptOnlyFromAmong("auto", "bwrap", "none");
        command.Add(Name);
        command.Add(Lock);
        command.Add(PassEnv);
        command.Add(PassEnvFile);
        command.Add(Sandbox);
        command.Add(ReadOnly);
        command.Add(ReadWrite);
        if (withCommand)
        {
            command.Add(Command);
        }

        return this;
    }

    public string LockPath(ParseResult parse, CliContext context) =>
        Path.GetFullPath(parse.GetValue(Lock) ?? LockFile.DefaultFileName, context.WorkingDirectory);

    /// <summary>The lock if the file exists (explicit --lock must exist); null otherwise.</summary>
    public LockFile? LoadLock(ParseResult parse, CliContext context, bool explicitMustExist = true)
    {
        var path = LockPath(parse, context);
        if (!File.Exists(path))
        {
            return parse.GetValue(Lock) is null || !explicitMustExist ? null : throw new UserInputException($"--lock {path}: file not found");
        }

        return LockFileSerializer.Load(path);
    }

    /// <summary>
    /// The launch spec. <paramref name="confined"/>: the server runs in a sandbox without network, so a package runner
    /// (npx & co.) is replaced by node on the copy already installed (see <see cref="PackageTree.ForSandbox"/>).
    /// </summary>
    public ServerLaunchSpec Spec(ParseResult parse, CliContext context, IReadOnlyList<string> command, bool confined = false)
    {
        var (launch, packagePaths) = confined ? PackageTree.ForSandbox(command, context) : (command, PackageTree.PathsFor(command, context.WorkingDirectory, ScanCommand.UserHome(context)));
        return new()
        {
            Command = launch[0],
            Arguments = [.. launch.Skip(1)],
            WorkingDirectory = context.WorkingDirectory,
            Environment = ServerEnvironment.Build(context.GetEnvironmentVariable, PassedNames(parse, context)),
            ReadOnlyPaths = [.. packagePaths, .. ExistingPaths(parse.GetValue(ReadOnly), "--ro", context)],
            ReadWritePaths = [.. ExistingPaths(parse.GetValue(ReadWrite), "--rw", context)],
        };
    }

    /// <summary>
    /// The names given with --pass-env, then the names each --pass-env-file lists. Values are never read from those
    /// files: the client that names one (VS Code's envFile) has set its variables on this process already, and a
    /// name it did not set stays unset, exactly as with --pass-env (docs/sandbox.md).
    /// </summary>
    private List<string> PassedNames(ParseResult parse, CliContext context)
    {
        var names = new List<string>(parse.GetValue(PassEnv) ?? []);
        foreach (var file in parse.GetValue(PassEnvFile) ?? [])
        {
            var read = EnvFileNames.Read(file, context.WorkingDirectory);
            names.AddRange(read.Names);
            if (read.InvalidNameLines.Count > 0)
            {
                // Line numbers only: the text of such a line may be part of a value.
                context.Error.WriteLine($"mcpguard: warning: --pass-env-file {Path.GetFullPath(file, context.WorkingDirectory)}: line {string.Join(", ", read.InvalidNameLines)} not passed: not a valid environment variable name (letters, digits and _ only)");
            }
        }

        return names;
    }

    private static IEnumerable<string> ExistingPaths(string[]? paths, string option, CliContext context)
    {
        foreach (var p in paths ?? [])
        {
            var full = Path.GetFullPath(p, context.WorkingDirectory);
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                throw new UserInputException($"{option} {full}: no such file or folder");
            }

            yield return full;
        }
    }

    /// <summary>--name, else the lock entry launched the same way, else the package name, else the script's name.</summary>
    public static string ResolveName(string? explicitName, LockFile? lockFile, IReadOnlyList<string> command, string workingDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitName))
        {
            return explicitName;
        }

        if (lockFile?.Servers.FirstOrDefault(s => s.Value.Command == command[0] && s.Value.Args.SequenceEqual(command.Skip(1))) is { Key: not null } match)
        {
            return match.Key;
        }

        if (InstalledPackageLocator.Locate(command[0], command.Skip(1), workingDirectory) is { } package)
        {
            return package.Name;
        }

        var script = command.Skip(1).FirstOrDefault(a => !a.StartsWith('-')) ?? command[0];
        return Path.GetFileNameWithoutExtension(script);
    }
}
