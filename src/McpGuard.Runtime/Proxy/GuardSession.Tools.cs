using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;
using McpGuard.Core.Tools;
using McpGuard.Runtime.Pins;
using McpGuard.Runtime.Policy;
using ModelContextProtocol.Protocol;

namespace McpGuard.Runtime.Proxy;

/// <summary>The inspected parts: tools/list results (pins, policy, poisoning), tool results (scanning), own tools/list.</summary>
internal sealed partial class GuardSession
{
    /// <summary>Ids of the proxy's own requests; a client request using this prefix is refused so they cannot collide.</summary>
    private const string InternalIdPrefix = "mcpguard-";

    private sealed record ListedTool(JsonElement Element, ToolDefinition Definition);

    /// <summary>Judges each listed tool; returns the frame to forward (rewritten when tools are hidden) or null when refused.</summary>
    private async ValueTask<ReadOnlyMemory<byte>?> InspectToolsListAsync(ReadOnlyMemory<byte> frame, JsonRpcId id, bool firstPage, CancellationToken ct)
    {
        if (await ParseAnswerAsync(frame, id, "tools/list result", ct) is not { } document)
        {
            return null;
        }

        using (document)
        {
            if (!TryReadTools(document.RootElement, out var tools))
            {
                await RejectAnswerAsync(id, "tools/list result has no valid tools array", ct);
                return null;
            }

            _pins.Record(tools.Select(t => t.Definition), firstPage);
            var hidden = new HashSet<int>();
            var hiddenNames = new JsonArray();
            for (var i = 0; i < tools.Count; i++)
            {
                var tool = tools[i].Definition;
                var (hide, rule, reason, decision) = JudgeListedTool(tool);
                if (rule is null)
                {
                    continue;
                }

                if (hide)
                {
                    hidden.Add(i);
                    hiddenNames.Add((JsonNode?)JsonValue.Create(tool.Name));
                }

                if (decision != "allow")
                {
                    Warn($"tool '{tool.Name}' {(hide ? "hidden" : "flagged")}: {reason}");
                }

                _audit.Record("decision", ProxyAudit.ServerToClient, RequestMethods.ToolsList, id, decision,
                    reason: reason, rule: rule, tool: tool.Name);
            }

            _audit.Record("message", ProxyAudit.ServerToClient, RequestMethods.ToolsList, id, "allow",
                bytes: frame.Length, details: _audit.Enabled ? new JsonObject { ["tools"] = tools.Count, ["hidden"] = hiddenNames } : null);
            return hidden.Count == 0 ? frame : RewriteToolsList(document.RootElement, tools, hidden);
        }
    }

    private (bool Hide, RuleDescriptor? Rule, string? Reason, string Decision) JudgeListedTool(ToolDefinition tool)
    {
        if (!PolicyEvaluator.IsToolAllowed(_options.Policy, tool.Name))
        {
            // Hidden quietly: the user chose this; the client would only get refusals for it.
            return (true, ProxyRules.ToolDenied, $"the policy does not allow the tool '{tool.Name}'", "allow");
        }

        var status = _pins.Check(tool);
        if (PinGate.RuleFor(status) is { } pinRule)
        {
            return (true, pinRule, PinGate.Explain(tool.Name, status, Server), "block");
        }

        if (_services.Scanner is { } scanner && scanner.Scan(tool, Server) is { Count: > 0 } findings)
        {
            var hide = _options.Policy.PoisonedTools == PoisonedToolAction.Hide;
            return (hide, ProxyRules.PoisonedTool, Summarize(findings), hide ? "block" : "alert");
        }

        return (false, null, null, "allow");
    }

    private static string Summarize(IReadOnlyList<Finding> findings) =>
        string.Join("; ", findings.Take(3).Select(f => $"{f.RuleId} {f.Title}")) + (findings.Count > 3 ? $" (+{findings.Count - 3} more)" : "");

    private static bool TryReadTools(JsonElement root, out List<ListedTool> tools)
    {
        tools = [];
        if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object
            || !result.TryGetProperty("tools", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            tools.Add(new ListedTool(element, ToDefinition(element)));
        }

        return true;
    }

    private static ToolDefinition ToDefinition(JsonElement element)
    {
        static string? Text(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        var schema = element.TryGetProperty("inputSchema", out var s) ? JsonNode.Parse(s.GetRawText()) : null;
        return new ToolDefinition(element.GetProperty("name").GetString()!, Text(element, "description"), schema, Text(element, "title"));
    }

    /// <summary>Copies the result with the hidden tools left out; every other member is copied as it came.</summary>
    private static ReadOnlyMemory<byte> RewriteToolsList(JsonElement root, List<ListedTool> tools, HashSet<int> hidden) =>
        Rewrite(root, (w, result) =>
        {
            foreach (var property in result.EnumerateObject())
            {
                if (property.NameEquals("tools"u8))
                {
                    w.WriteStartArray("tools");
                    for (var i = 0; i < tools.Count; i++)
                    {
                        if (!hidden.Contains(i))
                        {
                            tools[i].Element.WriteTo(w);
                        }
                    }

                    w.WriteEndArray();
                }
                else
                {
                    property.WriteTo(w);
                }
            }
        });

    private static ReadOnlyMemory<byte> Rewrite(JsonElement root, Action<Utf8JsonWriter, JsonElement> writeResult)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (property.NameEquals("result"u8))
                {
                    w.WriteStartObject("result");
                    writeResult(w, property.Value);
                    w.WriteEndObject();
                }
                else
                {
                    property.WriteTo(w);
                }
            }

            w.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    /// <summary>
    /// Scans what a tool result gives the model to read: text content, embedded resources' text, and every string in
    /// structuredContent. Flagged parts are replaced when the policy says strip (content items by a notice item,
    /// structured strings by the notice text, so the result keeps its shape for the tool's output schema).
    /// </summary>
    private async ValueTask<ReadOnlyMemory<byte>?> InspectToolResultAsync(ReadOnlyMemory<byte> frame, JsonRpcId id, string tool, CancellationToken ct)
    {
        // The common case (no repeated member, nothing flagged) is proven in one reader pass without a document; any
        // doubt falls through to the full inspection below, which decides and reports exactly as it always did.
        if (FramePrecheck.IsCleanToolResult(frame.Span, _limits.MaxJsonDepth, _services.Scanner!, Server))
        {
            _audit.Record("message", ProxyAudit.ServerToClient, RequestMethods.ToolsCall, id, "allow", tool: tool, bytes: frame.Length);
            return frame;
        }

        if (await ParseAnswerAsync(frame, id, "tool result", ct) is not { } document)
        {
            return null;
        }

        using (document)
        {
            var flagged = new List<FlaggedText>();
            if (document.RootElement.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object)
            {
                var where = $"result of tool '{tool}'";
                if (result.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
                {
                    var index = 0;
                    foreach (var item in content.EnumerateArray())
                    {
                        if (ContentText(item) is { } text && ScanString(text, where) is { Count: > 0 } findings)
                        {
                            flagged.Add(new FlaggedText([StructuredPath.Member("content"), StructuredPath.Item(index)], findings));
                        }

                        index++;
                    }
                }

                if (result.TryGetProperty("structuredContent", out var structured))
                {
                    ScanStrings(structured, [StructuredPath.Member("structuredContent")], where, flagged);
                }
            }

            var strip = _options.Policy.ToolResults == ToolResultAction.Strip;
            foreach (var (path, findings) in flagged)
            {
                var at = StructuredPath.Format(path);
                Warn($"output of tool '{tool}' ({at}) {(strip ? "stripped" : "flagged")}: {Summarize(findings)}");
                _audit.Record("decision", ProxyAudit.ServerToClient, RequestMethods.ToolsCall, id, strip ? "block" : "alert",
                    reason: $"{at}: {Summarize(findings)}", rule: ProxyRules.PoisonedTool, tool: tool);
            }

            _audit.Record("message", ProxyAudit.ServerToClient, RequestMethods.ToolsCall, id, "allow", tool: tool, bytes: frame.Length);
            return !strip || flagged.Count == 0 ? frame : StripFlagged(frame, flagged);
        }
    }

    private sealed record FlaggedText(StructuredPath[] Path, IReadOnlyList<Finding> Findings);

    /// <summary>The text a content item shows the model: a text item's text or an embedded text resource's text.</summary>
    private static JsonElement? ContentText(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (item.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
        {
            return text;
        }

        return item.TryGetProperty("resource", out var resource) && resource.ValueKind == JsonValueKind.Object
            && resource.TryGetProperty("text", out var resourceText) && resourceText.ValueKind == JsonValueKind.String
            ? resourceText
            : null;
    }

    /// <summary>
    /// Strings up to this many bytes (as escaped in the frame) are scanned as a string; longer ones are decoded into a
    /// pooled buffer. 8 KiB: a string of that size is an ordinary small allocation, while a 1 MiB result decoded into a
    /// string is a 2 MB large-object allocation per result that stays until a full collection (most of the proxy's
    /// peak memory in the 1 MiB phase of the benchmark, bench/README.md).
    /// </summary>
    private const int PooledStringAbove = 8 * 1024;

    /// <summary>Runs the tool-output rules on one JSON string value of the answer.</summary>
    private IReadOnlyList<Finding> ScanString(JsonElement value, string where)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length <= PooledStringAbove)
        {
            return _services.Scanner!.ScanText(value.GetString()!, where, Server);
        }

        // The raw value is the quoted, escaped string the strict parse already validated; a reader over it unescapes
        // into the buffer. UTF-16 never needs more chars than the escaped UTF-8 has bytes, so the buffer always fits.
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        var pooled = reader.ValueSpan.Length <= PooledStringMaxChars;
        var buffer = pooled ? ArrayPool<char>.Shared.Rent(reader.ValueSpan.Length) : GC.AllocateUninitializedArray<char>(reader.ValueSpan.Length);
        try
        {
            var length = reader.CopyString(buffer);
            return _services.Scanner!.ScanText(buffer.AsSpan(0, length), where, Server);
        }
        finally
        {
            if (pooled)
            {
                ArrayPool<char>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// 4 Mi chars (an 8 MB array): results up to a few MiB reuse one pooled buffer; a rare bigger one (up to the frame
    /// limit) gets its own array, freed with the next full collection, so it does not stay in the shared pool.
    /// </summary>
    private const int PooledStringMaxChars = 4 * 1024 * 1024;

    /// <summary>Scans every string value under <paramref name="element"/> (depth is bounded by the strict parse).</summary>
    private void ScanStrings(JsonElement element, List<StructuredPath> path, string where, List<FlaggedText> flagged)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (ScanString(element, where) is { Count: > 0 } findings)
                {
                    flagged.Add(new FlaggedText([.. path], findings));
                }

                return;

            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    path.Add(StructuredPath.Member(property.Name));
                    ScanStrings(property.Value, path, where, flagged);
                    path.RemoveAt(path.Count - 1);
                }

                return;

            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    path.Add(StructuredPath.Item(index++));
                    ScanStrings(item, path, where, flagged);
                    path.RemoveAt(path.Count - 1);
                }

                return;
        }
    }

    /// <summary>Copies the answer with each flagged part replaced by a notice (rare path: a tree copy is fine here).</summary>
    private static byte[] StripFlagged(ReadOnlyMemory<byte> frame, List<FlaggedText> flagged)
    {
        var root = JsonNode.Parse(frame.Span)!;
        var result = root["result"]!;
        foreach (var (path, findings) in flagged)
        {
            var notice = $"[McpGuard removed this output: it was flagged as instructions injected by the tool ({Summarize(findings)})]";
            var parent = result;
            for (var i = 0; i < path.Length - 1; i++)
            {
                parent = path[i].Get(parent);
            }

            // A whole content item becomes a text notice; a structured string keeps its place and type.
            var isContentItem = path.Length == 2 && path[0].Name == "content";
            path[^1].Set(parent, isContentItem ? new JsonObject { ["type"] = "text", ["text"] = notice } : JsonValue.Create(notice));
        }

        return System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    /// <summary>Strict parse of an inspected answer (duplicate keys refused); on failure the client gets an error instead.</summary>
    private async ValueTask<JsonDocument?> ParseAnswerAsync(ReadOnlyMemory<byte> frame, JsonRpcId id, string what, CancellationToken ct)
    {
        try
        {
            return JsonDocument.Parse(frame, s_strict with { MaxDepth = _limits.MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            await RejectAnswerAsync(id, $"{what} rejected: {ex.Message}", ct);
            return null;
        }
    }

    /// <summary>The server's answer to a pending request is refused: the client gets an error for that id instead.</summary>
    private async ValueTask RejectAnswerAsync(JsonRpcId id, string reason, CancellationToken ct)
    {
        _audit.Record("decision", ProxyAudit.ServerToClient, null, id, "block", reason: reason, rule: ProxyRules.FrameRejected);
        Warn("rejected an answer from the server: " + reason);
        await WriteErrorAsync(_toClient, id, GuardErrorCodes.ServerUnavailable, "McpGuard: the server sent an invalid answer (" + reason + ")", ct);
    }

    /// <summary>
    /// Fetches the server's current tools with the proxy's own tools/list (all pages). Returns null on success or
    /// the reason it failed. Serialized: concurrent calls wait for one refresh.
    /// </summary>
    private async Task<string?> RefreshToolsAsync(CancellationToken ct)
    {
        await _refreshGate.WaitAsync(ct);
        try
        {
            if (_pins.HasCurrentDefinitions)
            {
                return null;
            }

            string? cursor = null;
            var first = true;
            for (var page = 0; page < 100 && (first || cursor is not null); page++)
            {
                var id = JsonRpcId.FromString(InternalIdPrefix + Interlocked.Increment(ref _internalIds));
                var waiter = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
                _internalRequests[id] = waiter;
                _audit.Record("message", ProxyAudit.ProxyToServer, RequestMethods.ToolsList, id, "allow", reason: "pin check before tools/call");
                var pageCursor = cursor;
                await _toServer.WriteAsync(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("jsonrpc", "2.0");
                    w.WritePropertyName("id");
                    id.WriteTo(w);
                    w.WriteString("method", RequestMethods.ToolsList);
                    w.WriteStartObject("params");
                    if (pageCursor is not null)
                    {
                        w.WriteString("cursor", pageCursor);
                    }

                    w.WriteEndObject();
                    w.WriteEndObject();
                }, ct);

                byte[] answer;
                try
                {
                    answer = await waiter.Task.WaitAsync(_limits.InternalRequestTimeout, _services.Time, ct);
                }
                catch (TimeoutException)
                {
                    _internalRequests.TryRemove(id, out _);
                    return "the server did not answer tools/list in time";
                }
                catch (IOException ex)
                {
                    return ex.Message;
                }

                using var document = JsonDocument.Parse(answer, s_strict with { MaxDepth = _limits.MaxJsonDepth });
                if (!TryReadTools(document.RootElement, out var tools))
                {
                    return "the server's tools/list answer has no valid tools array";
                }

                _pins.Record(tools.Select(t => t.Definition), first);
                first = false;
                cursor = document.RootElement.GetProperty("result").TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String
                    ? next.GetString()
                    : null;
            }

            return null;
        }
        catch (JsonException ex)
        {
            return "the server's tools/list answer is malformed: " + ex.Message;
        }
        finally
        {
            _refreshGate.Release();
        }
    }
}
