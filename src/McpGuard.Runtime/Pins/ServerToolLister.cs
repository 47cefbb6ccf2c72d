using System.Text.Json.Nodes;
using McpGuard.Core.Tools;
using McpGuard.Runtime.Processes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpGuard.Runtime.Pins;

/// <summary>
/// Starts a server through a launcher (so lock/approve run it exactly as `mcpguard run` would, same environment and
/// confinement), lists its tools with the official MCP client over the process's stdio, and stops it.
/// </summary>
public static class ServerToolLister
{
    public static async Task<IReadOnlyList<ToolDefinition>> ListAsync(IServerLauncher launcher, ServerLaunchSpec spec, TextWriter diagnostics, CancellationToken cancellationToken = default)
    {
        await using var process = await launcher.StartAsync(spec, cancellationToken);
        var stderr = Task.Run(async () =>
        {
            try
            {
                using var reader = new StreamReader(process.StandardError);
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    await diagnostics.WriteLineAsync(line);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Server gone; its stderr ends with it.
            }
        }, cancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var transport = new StreamClientTransport(process.StandardInput, process.StandardOutput);
        var tools = new List<ToolDefinition>();
        await using (var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" }, cancellationToken: timeout.Token))
        {
            foreach (var tool in await client.ListToolsAsync(cancellationToken: timeout.Token))
            {
                var t = tool.ProtocolTool;
                tools.Add(new ToolDefinition(t.Name, t.Description, JsonNode.Parse(t.InputSchema.GetRawText()), t.Title));
            }
        }

        await process.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        await Task.WhenAny(stderr, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        return tools;
    }
}
