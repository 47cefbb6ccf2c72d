using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Reports;
using McpGuard.Runtime.Policy;
using McpGuard.Runtime.Egress;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;
using McpGuard.Runtime.Proxy;
using McpGuard.Verify.Lock;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard run [options] -- &lt;server command&gt;</c>: what a client config launches instead of the server.
/// Exit codes: 0 = the client disconnected and the server was stopped; 1 = the server exited on its own (crash
/// or exit), or start was refused because the installed package differs from the lock; 2 = usage, policy or
/// lock-file error, or the server command could not be started, or the audit log could not be written (the session
/// was stopped before forwarding anything the failed write described).
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext context, RunServices? services = null)
    {
        services ??= RunServices.Default;
        var launch = new ServerLaunchOptions();
        var egress = new EgressOptions();
        var policy = new Option<string?>("--policy") { Description = "Policy file (YAML or JSON, see docs/policy.md): allowed/denied tools, argument constraints, actions." };
        var denyTool = new Option<string[]>("--deny-tool") { Description = "Refuse and hide this tool (name or glob; repeatable)." };
        var allowTool = new Option<string[]>("--allow-tool") { Description = "Allow only the tools named (name or glob; repeatable)." };
        var audit = new Option<string?>("--audit") { Description = "Append the audit log to this SQLite file (default <data dir>/audit.db); the proxy commits each event to its own journal in FILE.journals/ beside it first." };
        var maxFrame = new Option<int?>("--max-frame-bytes") { Description = $"Largest JSON-RPC message accepted from either side (default {GuardLimits.Default.MaxFrameBytes})." };
        var maxInFlight = new Option<int?>("--max-in-flight") { Description = $"Most requests waiting for an answer at once (default {GuardLimits.Default.MaxRequestsInFlight})." };
        var timeout = new Option<int?>("--call-timeout") { Description = $"Seconds before an unanswered request gets a timeout error (default {GuardLimits.Default.RequestTimeout.TotalSeconds:0})." };

        var command = new Command("run", "Run an MCP server behind McpGuard's guarded stdio proxy (use in a client config: mcpguard run -- <server command>).");
        launch.AddTo(command);
        egress.AddTo(command);
        command.Add(policy);
        command.Add(denyTool);
        command.Add(allowTool);
        command.Add(audit);
        command.Add(maxFrame);
        command.Add(maxInFlight);
        command.Add(timeout);
        command.SetAction(async (parse, ct) =>
        {
            var serverCommand = parse.GetValue(launch.Command) ?? [];
            if (serverCommand.Length == 0)
            {
                throw new UserInputException("run needs the server command after --, e.g. mcpguard run -- npx -y @modelcontextprotocol/server-everything");
            }

            GuardLimits limits;
            try
            {
                limits = (GuardLimits.Default with
                {
                    MaxFrameBytes = parse.GetValue(maxFrame) ?? GuardLimits.Default.MaxFrameBytes,
                    MaxRequestsInFlight = parse.GetValue(maxInFlight) ?? GuardLimits.Default.MaxRequestsInFlight,
                    RequestTimeout = parse.GetValue(timeout) is { } s ? TimeSpan.FromSeconds(s) : GuardLimits.Default.RequestTimeout,
                }).Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new UserInputException($"limit out of range: {ex.ParamName} ({ex.ActualValue})", ex);
            }

            var lockFile = launch.LoadLock(parse, context);
            var name = ServerLaunchOptions.ResolveName(parse.GetValue(launch.Name), lockFile, serverCommand, context.WorkingDirectory);
            var policyPath = parse.GetValue(policy);
            var guardPolicy = policyPath is null ? GuardPolicy.Empty : PolicyLoader.Load(Path.GetFullPath(policyPath, context.WorkingDirectory));
            var serverPolicy = guardPolicy.For(name);
            serverPolicy = serverPolicy with
            {
                DenyTools = [.. serverPolicy.DenyTools, .. parse.GetValue(denyTool) ?? []],
                AllowTools = [.. serverPolicy.AllowTools, .. parse.GetValue(allowTool) ?? []],
            };

            LockedServer? pins = null;
            if (lockFile is not null && lockFile.Servers.TryGetValue(name, out var locked))
            {
                pins = locked;
                var problems = LockVerifier.CheckPackage(name, locked with { Command = serverCommand[0], Args = [.. serverCommand.Skip(1)] }, context.WorkingDirectory);
                if (problems.Count > 0)
                {
                    // Fail closed: a package that is not the approved one never starts under this lock.
                    context.Error.WriteLine($"mcpguard: refusing to start '{name}' ({Core.Rules.ProxyRules.PackageIntegrityChanged.Id}): {problems[0].Message}. Review it, then run 'mcpguard lock --name {name} -- ...' again.");
                    return 1;
                }
            }
            else if (lockFile is not null)
            {
                context.Error.WriteLine($"mcpguard: no pins for server '{name}' in the lock file; tool definitions are not checked (run 'mcpguard lock --name {name} -- ...').");
            }

            var selection = await services.SelectLauncherAsync(parse.GetValue(launch.Sandbox), context, ct);
            // Disposed last (after the egress proxy and the server): its last import runs then, and both imports'
            // problems are printed (CommandAudit).
            await using var auditLog = CommandAudit.Open(services, parse.GetValue(audit), context);
            var spec = launch.Spec(parse, context, serverCommand, selection.IsConfined);
            EgressProxy? egressProxy = null;
            string? socketDirectory = null;
            if (selection.IsConfined)
            {
                // The sandbox has no network of its own: its only way out is this proxy, which judges every request.
                (egressProxy, spec, socketDirectory) = egress.Start(parse, context, name, spec, services.Calls, auditLog.Sink, services.Redactor);
            }
            else if (egress.Requested(parse))
            {
                // Weaker, and said so on every start: the server is only asked to use the proxy (docs/sandbox.md).
                (egressProxy, spec) = egress.StartProxyEnvironment(parse, context, name, spec, services.Calls, auditLog.Sink, services.Redactor);
                context.Error.WriteLine($"mcpguard: {ProxyEnvironmentMode.Warning}");
            }

            await using var egressLifetime = new EgressLifetime(egressProxy, socketDirectory);
            IServerProcess server;
            try
            {
                server = await selection.Launcher.StartAsync(spec, ct);
            }
            catch (ServerStartException ex)
            {
                throw new UserInputException(ex.Message, ex);
            }
            catch (SandboxLaunchException ex)
            {
                throw new UserInputException(ex.Message, ex);
            }

            await using (server)
            {
                SessionResult result;
                try
                {
                    result = await GuardProxy.RunAsync(
                        new GuardOptions { ServerName = name, Policy = serverPolicy, Limits = limits, Pins = pins },
                        new GuardServices
                        {
                            Audit = auditLog.Sink,
                            Scanner = services.Scanner,
                            Redactor = services.Redactor,
                            Calls = services.Calls,
                            Diagnostics = context.Error,
                        },
                        context.StandardInput ?? Console.OpenStandardInput(),
                        context.StandardOutput ?? Console.OpenStandardOutput(),
                        server,
                        ct);
                }
                catch (Audit.AuditWriteException ex)
                {
                    // Fail closed: the session stopped at the first event that could not be written (the proxy's own, or
                    // the egress proxy's for an outbound request, which was not sent), before the message it describes
                    // was forwarded; the server has been stopped.
                    context.Error.WriteLine($"mcpguard: stopped '{name}': {ex.Message}. Nothing was forwarded after the last event that could be written; free disk space (or raise the file size limit) and start again.");
                    return ExitCodes.UsageError;
                }

                if (result.End == SessionEnd.ServerExited)
                {
                    context.Error.WriteLine($"mcpguard: server '{name}' exited" + (result.ServerExitCode is { } code ? $" with code {code}" : ""));
                    return 1;
                }

                return 0;
            }
        });
        return command;
    }

    /// <summary>Stops the egress proxy and removes its private socket folder when the session ends.</summary>
    private sealed class EgressLifetime(EgressProxy? proxy, string? socketDirectory) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            if (socketDirectory is not null && Directory.Exists(socketDirectory))
            {
                Directory.Delete(socketDirectory, recursive: true);
            }
        }
    }
}
