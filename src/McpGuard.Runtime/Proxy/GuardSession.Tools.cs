using System.Buffers;
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
                details: _audit.Enabled ? new JsonObject { ["bytes"] = frame.Length, ["tools"] = tools.Count, ["hidden"] = hiddenNames } : null);
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

    /// <summary>Scans the text of a tool result; strips flagged text when the policy says so.</summary>
    private async ValueTask<ReadOnlyMemory<byte>?> InspectToolResultAsync(ReadOnlyMemory<byte> frame, JsonRpcId id, string tool, CancellationToken ct)
    {
        if (await ParseAnswerAsync(frame, id, "tool result", ct) is not { } document)
        {
            return null;
        }

        using (document)
        {
            var flagged = new Dictionary<int, IReadOnlyList<Finding>>();
            if (document.RootElement.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
                && result.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var item in content.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                        && _services.Scanner!.ScanText(text.GetString()!, $"result of tool '{tool}'", Server) is { Count: > 0 } findings)
                    {
                        flagged[index] = findings;
                    }

                    index++;
                }
            }

            var strip = _options.Policy.ToolResults == ToolResultAction.Strip;
            foreach (var (index, findings) in flagged)
            {
                Warn($"output of tool '{tool}' {(strip ? "stripped" : "flagged")}: {Summarize(findings)}");
                _audit.Record("decision", ProxyAudit.ServerToClient, RequestMethods.ToolsCall, id, strip ? "block" : "alert",
                    reason: $"content[{index}]: {Summarize(findings)}", rule: ProxyRules.PoisonedTool, tool: tool);
            }

            _audit.Record("message", ProxyAudit.ServerToClient, RequestMethods.ToolsCall, id, "allow", tool: tool, details: Size(frame));
            if (!strip || flagged.Count == 0)
            {
                return frame;
            }

            return Rewrite(document.RootElement, (w, r) =>
            {
                foreach (var property in r.EnumerateObject())
                {
                    if (!property.NameEquals("content"u8))
                    {
                        property.WriteTo(w);
                        continue;
                    }

                    w.WriteStartArray("content");
                    var i = 0;
                    foreach (var item in property.Value.EnumerateArray())
                    {
                        if (flagged.TryGetValue(i++, out var findings))
                        {
                            w.WriteStartObject();
                            w.WriteString("type", "text");
                            w.WriteString("text", $"[McpGuard removed this output: it was flagged as instructions injected by the tool ({Summarize(findings)})]");
                            w.WriteEndObject();
                        }
                        else
                        {
                            item.WriteTo(w);
                        }
                    }

                    w.WriteEndArray();
                }
            });
        }
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
