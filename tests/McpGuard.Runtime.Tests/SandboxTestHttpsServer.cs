using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpGuard.Runtime.Tests;

/// <summary>One request the local endpoint received.</summary>
internal sealed record SandboxRecordedRequest(string Scheme, string Method, string Host, string Path, string? Client, string Body);

/// <summary>
/// Kestrel on 127.0.0.1 (HTTPS with a test-CA leaf, plus plain HTTP) standing in for a remote API. POST /email
/// answers like Postmark's API (documented response shape) so the real postmark client accepts it.
/// </summary>
internal sealed class SandboxTestHttpsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SandboxTestHttpsServer(WebApplication app) => _app = app;

    public ConcurrentQueue<SandboxRecordedRequest> Requests { get; } = new();

    public int HttpsPort { get; private set; }

    public int HttpPort { get; private set; }

    public static async Task<SandboxTestHttpsServer> StartAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(certificate));
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var server = new SandboxTestHttpsServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
        {
            var uri = new Uri(address);
            if (uri.Scheme == "https")
            {
                server.HttpsPort = uri.Port;
            }
            else
            {
                server.HttpPort = uri.Port;
            }
        }

        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        Requests.Enqueue(new SandboxRecordedRequest(
            context.Request.Scheme, context.Request.Method, context.Request.Host.Value ?? "", context.Request.Path.Value ?? "",
            context.Request.Headers["x-client"].FirstOrDefault(), body));
        context.Response.ContentType = "application/json";
        if (context.Request.Path == "/gzip")
        {
            // Compressed body: the preload's fetch must decode it like Node's own fetch does.
            context.Response.Headers.ContentEncoding = "gzip";
            await using var gzip = new System.IO.Compression.GZipStream(context.Response.Body, System.IO.Compression.CompressionLevel.Fastest);
            await gzip.WriteAsync("""{"ok":true,"compressed":true}"""u8.ToArray(), context.RequestAborted);
            return;
        }

        JsonNode answer;
        if (context.Request.Path == "/email" && context.Request.Method == "POST")
        {
            var to = JsonNode.Parse(body)?["To"]?.GetValue<string>() ?? "";
            answer = new JsonObject
            {
                ["To"] = to,
                ["SubmittedAt"] = "2026-01-01T00:00:00Z",
                ["MessageID"] = Guid.NewGuid().ToString(),
                ["ErrorCode"] = 0,
                ["Message"] = "OK",
            };
        }
        else
        {
            answer = new JsonObject { ["ok"] = true, ["path"] = context.Request.Path.Value, ["scheme"] = context.Request.Scheme };
        }

        await context.Response.WriteAsync(answer.ToJsonString(JsonSerializerOptions.Default), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
