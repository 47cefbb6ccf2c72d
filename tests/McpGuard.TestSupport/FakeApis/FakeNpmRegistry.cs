using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace McpGuard.TestSupport.FakeApis;

/// <summary>
/// Synthetic test fixture: a tiny npm registry on http://127.0.0.1:PORT (Kestrel) whose answers a test scripts
/// exactly: a packument per package (with its own _npmUser, maintainers, attestations, time map), tarballs, a raw body
/// (garbage), a status (404, 503), or a number of 503s before it answers. Counts the requests it receives.
/// </summary>
public sealed class FakeNpmRegistry : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failureStatus = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();

    private FakeNpmRegistry()
    {
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Every request as "METHOD path [If-None-Match]".</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public static async Task<FakeNpmRegistry> StartAsync(CancellationToken cancellationToken = default)
    {
        var fake = new FakeNpmRegistry();
        (fake._app, fake.Url) = await LoopbackHttpServer.StartAsync(fake.HandleAsync, cancellationToken);
        return fake;
    }

    /// <summary>Serves <paramref name="packument"/> for the package, with an ETag that changes with its content.</summary>
    public void SetPackument(string name, JsonObject packument)
    {
        var body = packument.ToJsonString();
        var etag = "\"" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16] + "\"";
        _routes["/" + name.Replace("/", "%2f", StringComparison.Ordinal)] = async ctx =>
        {
            if (ctx.Request.Headers.IfNoneMatch.ToString() == etag)
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            ctx.Response.Headers.ETag = etag;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(body, ctx.RequestAborted);
        };
    }

    /// <summary>Serves exactly these bytes (garbage, truncated JSON...) with status 200 for the package.</summary>
    public void SetRaw(string name, string body, string contentType = "application/json") =>
        _routes["/" + name] = ctx =>
        {
            ctx.Response.ContentType = contentType;
            return ctx.Response.WriteAsync(body, ctx.RequestAborted);
        };

    public void SetStatus(string name, int status) => _routes["/" + name] = ctx =>
    {
        ctx.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    /// <summary>The next <paramref name="count"/> requests for the package answer <paramref name="status"/> (503 or 429) with Retry-After: 0.</summary>
    public void FailNext(string name, int count, int status = 503)
    {
        _failureStatus["/" + name] = status;
        _failuresLeft["/" + name] = count;
    }

    /// <summary>Serves tarball bytes at /NAME/-/NAME-VERSION.tgz and returns its URL.</summary>
    public Uri AddTarball(string name, string version, byte[] bytes)
    {
        var path = $"/{name}/-/{name}-{version}.tgz";
        _routes[path] = ctx =>
        {
            ctx.Response.ContentType = "application/octet-stream";
            return ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).AsTask();
        };
        return new Uri(Url, path.TrimStart('/'));
    }

    /// <summary>A .tgz of a package folder (files under package/), as npm pack makes it.</summary>
    public static byte[] Pack(string directory)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            foreach (var file in Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                tar.WriteEntry(file, "package/" + Path.GetRelativePath(directory, file).Replace('\\', '/'));
            }
        }

        return output.ToArray();
    }

    public static string Sha512(byte[] bytes) => "sha512-" + Convert.ToBase64String(SHA512.HashData(bytes));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var raw = ctx.Request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? path;
        var key = raw.Split('?')[0];
        _requests.Enqueue($"{ctx.Request.Method} {key} {ctx.Request.Headers.IfNoneMatch}".TrimEnd());
        if (_failuresLeft.TryGetValue(key, out var left) && left > 0)
        {
            _failuresLeft[key] = left - 1;
            ctx.Response.StatusCode = _failureStatus.GetValueOrDefault(key, 503);
            ctx.Response.Headers.RetryAfter = "0";
            return;
        }

        if (_routes.TryGetValue(key, out var route) || _routes.TryGetValue(path, out route))
        {
            await route(ctx);
            return;
        }

        ctx.Response.StatusCode = 404;
    }
}
