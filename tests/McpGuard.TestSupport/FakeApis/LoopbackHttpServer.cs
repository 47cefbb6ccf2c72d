using McpGuard.Demo.FakeApis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace McpGuard.TestSupport.FakeApis;

/// <summary>Starts a plain-HTTP Kestrel on 127.0.0.1 with a free port and one request handler (fake registries, receivers).</summary>
public static class LoopbackHttpServer
{
    public static async Task<(WebApplication App, Uri Url)> StartAsync(RequestDelegate handler, CancellationToken cancellationToken = default)
    {
        var app = LoopbackKestrel.Create();
        app.Run(handler);
        return (app, await LoopbackKestrel.StartAsync(app, cancellationToken));
    }
}
