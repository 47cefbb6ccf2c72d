using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace McpGuard.Demo.FakeApis;

/// <summary>
/// Synthetic fixture for `mcpguard demo` and the tests: a fake Postmark API on https://127.0.0.1:PORT only (Kestrel,
/// certificate from a throwaway CA),
/// following Postmark's documented shapes (https://postmarkapp.com/developer/api/email-api): POST /email,
/// /email/batch, /email/withTemplate, the X-Postmark-Server-Token check (401, ErrorCode 10), invalid JSON
/// (422, ErrorCode 402), a missing recipient (422, ErrorCode 300). It records every request it receives.
/// AOT-friendly: plain request delegates and JsonNode, no reflection-based JSON or minimal-API binding.
/// </summary>
public sealed class FakePostmarkApi : IAsyncDisposable
{
    public const string HostName = "api.postmarkapp.com";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedPostmarkRequest> _received = new();

    private FakePostmarkApi(WebApplication app, LocalCertificateAuthority ca, string serverToken)
    {
        _app = app;
        CertificateAuthority = ca;
        ServerToken = serverToken;
    }

    public LocalCertificateAuthority CertificateAuthority { get; }

    public string ServerToken { get; }

    public int Port { get; private set; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public IReadOnlyList<ReceivedPostmarkRequest> Received => [.. _received];

    /// <summary>True when any received request (headers or body) mentions <paramref name="text"/>, ignoring case.</summary>
    public bool SawText(string text) => _received.Any(r =>
        r.Body.Contains(text, StringComparison.OrdinalIgnoreCase)
        || r.Headers.Any(h => h.Value.Contains(text, StringComparison.OrdinalIgnoreCase)));

    public static async Task<FakePostmarkApi> StartAsync(string serverToken, CancellationToken cancellationToken = default)
    {
        var ca = new LocalCertificateAuthority("Fake Postmark test CA");
        var certificate = ca.IssueServerCertificate(HostName, "localhost");
        var app = LoopbackKestrel.Create(certificate);
        var fake = new FakePostmarkApi(app, ca, serverToken);
        app.MapPost("/email", ctx => fake.HandleAsync(ctx, Kind.Single));
        app.MapPost("/email/withTemplate", ctx => fake.HandleAsync(ctx, Kind.Template));
        app.MapPost("/email/batch", ctx => fake.HandleAsync(ctx, Kind.Batch));
        app.MapGet("/ping", ctx => ctx.Response.WriteAsync("pong", ctx.RequestAborted));
        fake.Port = (await LoopbackKestrel.StartAsync(app, cancellationToken)).Port;
        return fake;
    }

    private enum Kind
    {
        Single,
        Template,
        Batch,
    }

    private async Task HandleAsync(HttpContext context, Kind kind)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var token = context.Request.Headers["X-Postmark-Server-Token"].ToString();
        _received.Enqueue(new ReceivedPostmarkRequest(
            context.Request.Path.Value ?? string.Empty,
            token,
            body,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));

        if (string.IsNullOrEmpty(token) || token != ServerToken)
        {
            await Error(context, 401, 10, "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.");
            return;
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            await Error(context, 422, 402, "Received invalid JSON input.");
            return;
        }

        if (kind == Kind.Batch)
        {
            if (json is not JsonArray messages)
            {
                await Error(context, 422, 402, "Received invalid JSON input.");
                return;
            }

            var results = new JsonArray();
            foreach (var message in messages)
            {
                // The JsonNode overload: the generic Add<T> would need reflection and breaks the Native AOT publish.
                results.Add((JsonNode)(message is JsonObject m && HasRecipient(m)
                    ? Ok(m)
                    : new JsonObject { ["ErrorCode"] = 300, ["Message"] = "Invalid 'To' address." }));
            }

            await WriteJson(context, results);
            return;
        }

        if (json is not JsonObject single || !HasRecipient(single))
        {
            await Error(context, 422, 300, "Invalid 'To' address.");
            return;
        }

        if (kind == Kind.Template && single["TemplateId"] is null && single["TemplateAlias"] is null)
        {
            await Error(context, 422, 1101, "The Template's 'TemplateId' or 'TemplateAlias' must be specified.");
            return;
        }

        await WriteJson(context, Ok(single));
    }

    private static bool HasRecipient(JsonObject message) =>
        message["To"] is JsonValue to && to.TryGetValue<string>(out var text) && text.Contains('@', StringComparison.Ordinal);

    private static JsonObject Ok(JsonObject message) => new()
    {
        ["To"] = message["To"]?.GetValue<string>(),
        ["SubmittedAt"] = DateTimeOffset.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        ["MessageID"] = Guid.NewGuid().ToString(),
        ["ErrorCode"] = 0,
        ["Message"] = "OK",
    };

    private static async Task Error(HttpContext context, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        await WriteJson(context, new JsonObject { ["ErrorCode"] = code, ["Message"] = message });
    }

    private static Task WriteJson(HttpContext context, JsonNode json)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(json.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        CertificateAuthority.Dispose();
    }
}

/// <summary>What the fake API received: path, token header, raw body, all headers.</summary>
public sealed record ReceivedPostmarkRequest(string Path, string Token, string Body, IReadOnlyDictionary<string, string> Headers);
