using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core.Rules;

namespace McpGuard.Verify.Watch;

/// <summary>The outcome of one conditional packument request.</summary>
internal abstract record PackumentResult
{
    public sealed record Fresh(JsonObject Packument, string? ETag) : PackumentResult;

    public sealed record NotModified : PackumentResult;

    public sealed record Missing : PackumentResult;

    /// <summary>Nothing usable came back; <paramref name="Rule"/> says whether it was the network or the content.</summary>
    public sealed record Failed(RuleDescriptor Rule, string Message) : PackumentResult;
}

/// <summary>
/// GETs full packuments with If-None-Match, bounded in size, and refuses anything that is not a packument.
/// Retries (429/5xx/network) live in the HttpClient's resilience handler, see <see cref="WatchHttp"/>.
/// </summary>
internal sealed class PackumentFetcher(HttpClient http, WatchOptions options)
{
    private static readonly JsonDocumentOptions s_json = new() { AllowDuplicateProperties = false, MaxDepth = 64 };
    private readonly Uri _registry = options.Registry.AbsoluteUri.EndsWith('/') ? options.Registry : new Uri(options.Registry.AbsoluteUri + "/");

    public async Task<PackumentResult> FetchAsync(string name, string? etag, CancellationToken cancellationToken)
    {
        // Scoped names keep the @ and escape the slash, as the npm CLI does.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_registry, name.Replace("/", "%2f", StringComparison.Ordinal)));

        // The full document: the abbreviated one (vnd.npm.install-v1) has no _npmUser, maintainers or time map.
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (etag is not null && EntityTagHeaderValue.TryParse(etag, out var tag))
        {
            request.Headers.IfNoneMatch.Add(tag);
        }

        var where = options.RegistryDisplay;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotModified:
                    return new PackumentResult.NotModified();
                case HttpStatusCode.NotFound or HttpStatusCode.Gone:
                    return new PackumentResult.Missing();
                case var s when (int)s == 429 || (int)s >= 500:
                    return new PackumentResult.Failed(WatchRules.RegistryUnreachable, $"{where} kept answering {(int)s} for '{name}' after {options.MaxRetries} polite retries");
                case var s when !response.IsSuccessStatusCode:
                    return new PackumentResult.Failed(WatchRules.RegistryUnreachable, $"{where} refused the request for '{name}' ({(int)s})");
            }

            if (response.Content.Headers.ContentLength > options.MaxPackumentBytes)
            {
                return new PackumentResult.Failed(WatchRules.RegistryMalformed, $"{where} sent a {response.Content.Headers.ContentLength}-byte document for '{name}', over the {options.MaxPackumentBytes}-byte limit");
            }

            var bytes = await ReadBoundedAsync(response.Content, options.MaxPackumentBytes, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                return new PackumentResult.Failed(WatchRules.RegistryMalformed, $"{where} sent more than {options.MaxPackumentBytes} bytes for '{name}'");
            }

            var problem = Validate(bytes, name, out var packument);
            return problem is null
                ? new PackumentResult.Fresh(packument!, response.Headers.ETag?.ToString())
                : new PackumentResult.Failed(WatchRules.RegistryMalformed, $"{where} returned an unusable document for '{name}': {problem}");
        }
        catch (HttpRequestException ex)
        {
            return new PackumentResult.Failed(WatchRules.RegistryUnreachable, $"{where} could not be reached for '{name}' ({ex.HttpRequestError})");
        }
        catch (Exception ex) when (ex is Polly.Timeout.TimeoutRejectedException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new PackumentResult.Failed(WatchRules.RegistryUnreachable, $"{where} did not answer in time for '{name}'");
        }
    }

    /// <summary>Checks the shape watch relies on; a document with the wrong types is refused, not half-trusted.</summary>
    internal static string? Validate(byte[] bytes, string name, out JsonObject? packument)
    {
        packument = null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(bytes, documentOptions: s_json);
        }
        catch (JsonException ex)
        {
            return $"not JSON ({ex.Message.Split('.')[0]})";
        }

        if (root is not JsonObject obj)
        {
            return "not a JSON object";
        }

        if (obj["name"] is JsonValue n && n.TryGetValue<string>(out var actual) && !string.Equals(actual, name, StringComparison.Ordinal))
        {
            return $"it describes '{actual}', not '{name}'";
        }

        if (obj["versions"] is not JsonObject versions)
        {
            return "no \"versions\" object";
        }

        foreach (var (version, manifest) in versions)
        {
            if (manifest is not JsonObject m || m["dist"] is not JsonObject dist || dist["tarball"] is not JsonValue t || !t.TryGetValue<string>(out _))
            {
                return $"version '{version}' has no dist.tarball";
            }
        }

        if (obj["time"] is not null and not JsonObject)
        {
            return "\"time\" is not an object";
        }

        packument = obj;
        return null;
    }

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, long max, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
