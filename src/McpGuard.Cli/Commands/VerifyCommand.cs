using System.CommandLine;
using McpGuard.Core;
using McpGuard.Verify.Lock;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard verify [--lock FILE]</c>: checks the lock without starting anything. Exit 0 = consistent and the
/// installed packages match; 1 = a problem (printed one per line); 2 = the lock is missing or malformed.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var lockOption = new Option<string?>("--lock") { Description = "Lock file to check (default: ./mcpguard.lock.json)." };
        var command = new Command("verify", "Check mcpguard.lock.json without starting anything: well-formed, pins intact, installed packages match.");
        command.Add(lockOption);
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetValue(lockOption) ?? LockFile.DefaultFileName, context.WorkingDirectory);
            if (!File.Exists(path))
            {
                throw new UserInputException($"lock file {path} not found (create it with 'mcpguard lock -- <server command>')");
            }

            var lockFile = LockFileSerializer.Load(path);
            var problems = LockVerifier.Verify(lockFile, context.WorkingDirectory);
            foreach (var problem in problems)
            {
                context.Out.WriteLine($"{problem.Server}: {problem.Message}");
            }

            context.Out.WriteLine(problems.Count == 0
                ? $"ok: {lockFile.Servers.Count} servers, {lockFile.Servers.Sum(s => s.Value.Tools.Count)} pinned tools"
                : $"{problems.Count} problems in {path}");
            return problems.Count == 0 ? 0 : 1;
        });
        return command;
    }
}
