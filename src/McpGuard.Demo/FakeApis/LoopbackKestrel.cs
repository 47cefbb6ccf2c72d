using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpGuard.Demo.FakeApis;

/// <summary>
/// Kestrel for local fakes (the demo's Postmark API, the tests' registries and receivers): 127.0.0.1 only, so nothing
/// on another machine can reach it; a port the OS picks, so parallel runs never collide; no logging. Callers map their
/// routes between <see cref="Create"/> and <see cref="StartAsync"/>.
/// </summary>
public static class LoopbackKestrel
{
    public static WebApplication Create(X509Certificate2? httpsCertificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (httpsCertificate is not null)
            {
                listen.UseHttps(httpsCertificate);
            }
        }));
        return builder.Build();
    }

    /// <summary>Starts the app and returns its base address, ending in '/'.</summary>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.TrimEnd('/') + "/");
    }
}
