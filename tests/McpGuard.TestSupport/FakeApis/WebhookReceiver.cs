using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;

namespace McpGuard.TestSupport.FakeApis;

/// <summary>A webhook receiver on http://127.0.0.1:PORT (Kestrel) that records every request body; it can hold requests until released.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly ConcurrentQueue<string> _bodies = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WebhookReceiver()
    {
    }

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<string> Bodies => [.. _bodies];

    /// <param name="hold">When true, requests wait for <see cref="Release"/> before they are answered (a slow receiver).</param>
    public static async Task<WebhookReceiver> StartAsync(bool hold = false, CancellationToken cancellationToken = default)
    {
        var receiver = new WebhookReceiver();
        if (!hold)
        {
            receiver.Release();
        }

        (receiver._app, receiver.Url) = await LoopbackHttpServer.StartAsync(async ctx =>
        {
            await receiver._released.Task.WaitAsync(ctx.RequestAborted);
            using var reader = new StreamReader(ctx.Request.Body);
            receiver._bodies.Enqueue(await reader.ReadToEndAsync(ctx.RequestAborted));
        }, cancellationToken);
        return receiver;
    }

    public void Release() => _released.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
