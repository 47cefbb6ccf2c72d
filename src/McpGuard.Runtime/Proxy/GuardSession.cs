using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using McpGuard.Core.Rules;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Pins;
using McpGuard.Runtime.Policy;
using McpGuard.Runtime.Processes;
using ModelContextProtocol.Protocol;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// One guarded stdio session: two independent pumps (client→server, server→client) over newline-delimited
/// frames. Uninspected frames are peeked (kind, id, method) and forwarded byte for byte; tools/call requests,
/// tools/list results and tool results are parsed strictly (no duplicate keys) and judged. Every event is
/// appended to the audit sink before the frame it describes is forwarded.
/// </summary>
internal sealed partial class GuardSession
{
    private static readonly JsonDocumentOptions s_strict = new() { AllowDuplicateProperties = false };

    private readonly GuardOptions _options;
    private readonly GuardServices _services;
    private readonly IServerProcess _server;
    private readonly GuardLimits _limits;
    private readonly FrameReader _clientReader;
    private readonly FrameReader _serverReader;
    private readonly FrameWriter _toClient;
    private readonly FrameWriter _toServer;
    private readonly ProxyAudit _audit;
    private readonly PinGate _pins;
    private readonly StderrRelay _stderr;
    private readonly ConcurrentDictionary<JsonRpcId, PendingRequest> _clientRequests = new();
    private readonly ConcurrentDictionary<JsonRpcId, string> _serverRequests = new();
    private readonly ConcurrentDictionary<JsonRpcId, TaskCompletionSource<byte[]>> _internalRequests = new();
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private long _internalIds;
    private volatile bool _serverGone;

    public GuardSession(GuardOptions options, GuardServices services, Stream clientInput, Stream clientOutput, IServerProcess server)
    {
        _options = options;
        _services = services;
        _server = server;
        _limits = options.Limits.Validate();

        // One reading thread per direction, frames handled inline on it (see DedicatedThreadPipeReader). 64 KiB
        // reads: large results arrive in a few reads; nothing is read until the frames before are handled, so a
        // flooding peer waits in its own write() instead of in our memory.
        _clientReader = new FrameReader(new DedicatedThreadPipeReader(clientInput, ReadSize, "mcpguard client reader"), _limits.MaxFrameBytes);
        _serverReader = new FrameReader(new DedicatedThreadPipeReader(server.StandardOutput, ReadSize, "mcpguard server reader"), _limits.MaxFrameBytes);
        _audit = new ProxyAudit(services.Audit, options.ServerName, services.Time);
        // Flushes write on the flushing thread (see SynchronousWriteStream): no hop to a pool thread per batch.
        _toClient = new FrameWriter(PipeWriter.Create(new SynchronousWriteStream(clientOutput), new StreamPipeWriterOptions(leaveOpen: true)), _audit.WhenCommittedAsync);
        _toServer = new FrameWriter(PipeWriter.Create(new SynchronousWriteStream(server.StandardInput), new StreamPipeWriterOptions(leaveOpen: false)), _audit.WhenCommittedAsync);
        _pins = new PinGate(options.Pins);
        _stderr = new StderrRelay(server.StandardError, services.Diagnostics, _limits.StderrTailLines);
    }

    private const int ReadSize = 65536;

    // A struct: stored inline in the dictionary's node, one allocation less per request. CallId: the id text the
    // in-flight registry holds for a tools/call (formatted once, at Begin), null for other requests.
    private readonly record struct PendingRequest(string Method, string? Tool, long Started, bool FirstToolsPage, string? CallId = null);

    private string Server => _options.ServerName;

    public async Task<SessionResult> RunAsync(CancellationToken cancellationToken)
    {
        using var clientCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var serverCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stderrTask = _stderr.RunAsync(serverCts.Token);
        var period = TimeSpan.FromTicks(Math.Clamp(_limits.RequestTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        using var sweeper = _services.Time.CreateTimer(_ => _ = SweepTimeoutsAsync(), null, period, period);

        var clientPump = PumpAsync(_clientReader, OnClientFrameAsync, _toServer, clientCts.Token);
        var serverPump = PumpAsync(_serverReader, OnServerFrameAsync, _toClient, serverCts.Token);

        // The store can also fail under another writer (the egress proxy, for an outbound request): stop then too, at
        // once, rather than at the next message the pumps would fail to record (which may never come).
        var auditFailed = _services.Audit?.FailedForGood;
        var first = auditFailed is null ? await Task.WhenAny(clientPump, serverPump) : await Task.WhenAny(clientPump, serverPump, auditFailed);
        var auditFailure = first == auditFailed ? await auditFailed : first.Exception?.InnerException as Audit.AuditWriteException;
        if (auditFailure is not null)
        {
            await StopAfterAuditFailureAsync(clientPump, serverPump, stderrTask, clientCts, serverCts);
            ExceptionDispatchInfo.Throw(auditFailure);
        }

        SessionEnd end;
        int? exitCode = null;
        if (first == clientPump && !_serverGone)
        {
            // Client disconnect: close the server's stdin so it can exit on its own, then kill after the grace period.
            end = SessionEnd.ClientDisconnected;
            await _toServer.CompleteAsync();
            await _server.StopAsync(_limits.ShutdownGrace, CancellationToken.None);
            exitCode = await ExitCodeAsync();
            serverCts.CancelAfter(_limits.ShutdownGrace);
            await Quietly(serverPump);
        }
        else
        {
            end = SessionEnd.ServerExited;
            _serverGone = true;
            exitCode = await ExitCodeAsync();
            if (exitCode is null)
            {
                // stdout closed but the process lingers: it can no longer answer anyone, so stop it.
                await _server.StopAsync(_limits.ShutdownGrace, CancellationToken.None);
                exitCode = await ExitCodeAsync();
            }

            await Quietly(stderrTask.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None));
            var reason = $"the MCP server '{Server}' exited" + (exitCode is { } c ? $" with code {c}" : "") + " (see the McpGuard audit log and stderr)";
            await FailAllPendingAsync(reason, CancellationToken.None);
            await Quietly(NotifyClientAsync(reason));
            clientCts.Cancel();

            // Reads from a console stdin ignore cancellation; do not wait on one forever (the process is ending anyway).
            await Quietly(clientPump.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None));
            await _toServer.CompleteAsync();
        }

        serverCts.Cancel();
        await Quietly(stderrTask);
        var tail = _stderr.Tail.Select(_services.Redactor.Redact).ToList();
        _audit.Record("process", null, null, null, end == SessionEnd.ServerExited && exitCode != 0 ? "error" : "info",
            reason: end == SessionEnd.ClientDisconnected ? "client disconnected; server stopped" : "server exited on its own",
            details: new JsonObject
            {
                ["exitCode"] = exitCode,
                ["stderrTail"] = new JsonArray([.. tail.Select(l => (JsonNode?)JsonValue.Create(l))]),
            });
        await _toClient.CompleteAsync();
        await Quietly(_audit.WhenCommittedAsync(CancellationToken.None).AsTask());
        return new SessionResult(end, exitCode, tail);
    }

    /// <summary>
    /// Fail closed, at once and both ways: an event could not be written, so nothing more may be forwarded. The
    /// writers drop what they hold (their commit fails), the server is stopped (stdin closed, killed after the grace
    /// period) instead of being waited for as if it had exited, and the client's input is no longer read. The caller
    /// rethrows the failure.
    /// </summary>
    private async Task StopAfterAuditFailureAsync(Task clientPump, Task serverPump, Task stderrTask, CancellationTokenSource clientCts, CancellationTokenSource serverCts)
    {
        _serverGone = true;
        await _toServer.CompleteAsync();
        await _toClient.CompleteAsync();
        await _server.StopAsync(_limits.ShutdownGrace, CancellationToken.None);
        clientCts.Cancel();
        serverCts.Cancel();
        foreach (var task in (Task[])[serverPump, stderrTask, clientPump.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None)])
        {
            try
            {
                await task;
            }
            catch (Exception ex) when (ex is Audit.AuditWriteException or OperationCanceledException or IOException or ObjectDisposedException or TimeoutException)
            {
                // The other pump met the same failure, or stopped; the session is over either way.
            }
        }
    }

    private async Task<int?> ExitCodeAsync()
    {
        try
        {
            return await _server.Exited.WaitAsync(_limits.ShutdownGrace + TimeSpan.FromSeconds(1));
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or TimeoutException)
        {
            // Shutdown path: the peer or the process is already gone; nothing more to tell anyone.
        }
    }

    /// <summary>
    /// Reads frames from one peer and hands them to <paramref name="handler"/>; after each drained read, flushes what
    /// was forwarded to <paramref name="forward"/>. Only that writer: everything a pump writes the other way (errors
    /// to the sender) is flushed at once, so the two pumps never wait on each other's half-built batch.
    /// </summary>
    private async Task PumpAsync(FrameReader reader, Func<ReadOnlyMemory<byte>, FrameStatus, CancellationToken, ValueTask> handler, FrameWriter forward, CancellationToken cancellationToken)
    {
        try
        {
            await reader.RunAsync((frame, status) => handler(frame, status, cancellationToken), async () =>
            {
                // Commit once per read buffer even when nothing is forwarded (a refused frame's event), so no event
                // waits for the next message to be written.
                await _audit.WhenCommittedAsync(cancellationToken);
                await forward.FlushAsync(cancellationToken);
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The stream ended abruptly or we are shutting down: the pump ends, RunAsync decides what that means.
        }
    }

    // ---------------------------------------------------------------- client → server

    private async ValueTask OnClientFrameAsync(ReadOnlyMemory<byte> frame, FrameStatus status, CancellationToken ct)
    {
        try
        {
            if (Reject(frame, status) is { } problem)
            {
                await RejectClientFrameAsync(problem.Id, problem.Code, problem.Reason, ct);
                return;
            }

            var envelope = Envelope.Peek(frame.Span, _limits.MaxJsonDepth);
            if (envelope.Kind == FrameKind.Batch)
            {
                await ForEachBatchElementAsync(frame, (element, env) => OnClientMessageAsync(element, env, ct), id => RejectClientFrameAsync(id, GuardErrorCodes.InvalidRequest, "empty or nested batch", ct));
                return;
            }

            await OnClientMessageAsync(frame, envelope, ct);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
        {
            // A bug or an input we did not foresee: refuse the frame rather than forward something unjudged.
            await RejectClientFrameAsync(null, GuardErrorCodes.InvalidRequest, "frame could not be inspected: " + ex.Message, ct);
        }
    }

    private async ValueTask OnClientMessageAsync(ReadOnlyMemory<byte> frame, Envelope envelope, CancellationToken ct)
    {
        switch (envelope.Kind)
        {
            case FrameKind.Invalid:
            case FrameKind.Batch:
                await RejectClientFrameAsync(envelope.Id ?? RecoverId(frame.Span), envelope.Kind == FrameKind.Batch ? GuardErrorCodes.InvalidRequest : ErrorCodeFor(envelope.Problem),
                    envelope.Problem ?? "nested batch", ct);
                return;

            case FrameKind.Request:
                await OnClientRequestAsync(frame, envelope, envelope.Id!.Value, envelope.Method!, ct);
                return;

            case FrameKind.Notification:
                _audit.Record("message", ProxyAudit.ClientToServer, envelope.Method, null, "allow", bytes: frame.Length);
                await _toServer.WriteAsync(frame, ct);
                return;

            default:
                // A response: it must answer a request the server sent and is still waiting for.
                var id = envelope.Id!.Value;
                if (!_serverRequests.TryRemove(id, out var method))
                {
                    _audit.Record("decision", ProxyAudit.ClientToServer, null, id, "block",
                        reason: "response with an id the server never used (or already answered); dropped", rule: ProxyRules.FrameRejected);
                    return;
                }

                _audit.Record("message", ProxyAudit.ClientToServer, method, id, "allow", bytes: frame.Length);
                await _toServer.WriteAsync(frame, ct);
                return;
        }
    }

    private async ValueTask OnClientRequestAsync(ReadOnlyMemory<byte> frame, Envelope envelope, JsonRpcId id, string method, CancellationToken ct)
    {
        if (_clientRequests.ContainsKey(id) || id.IsString && id.ToString().StartsWith(InternalIdPrefix, StringComparison.Ordinal))
        {
            await RejectClientFrameAsync(id, GuardErrorCodes.InvalidRequest, $"request id {id} is already in flight (or reserved)", ct);
            return;
        }

        if (_clientRequests.Count >= _limits.MaxRequestsInFlight)
        {
            await RejectClientFrameAsync(id, GuardErrorCodes.TooManyRequests, $"more than {_limits.MaxRequestsInFlight} requests in flight", ct);
            return;
        }

        if (_serverGone)
        {
            await WriteErrorAsync(_toClient, id, GuardErrorCodes.ServerUnavailable, $"McpGuard: the MCP server '{Server}' is not running", ct);
            return;
        }

        string? tool = null;
        string? callId = null;
        var firstPage = true;
        if (method == RequestMethods.ToolsCall)
        {
            var call = await InspectToolCallAsync(frame, id, ct);
            if (call is null)
            {
                return;
            }

            tool = call.Value.Tool;
            callId = id.ToString();
            _services.Calls.Begin(new InFlightCall(Server, callId, tool, call.Value.Arguments, _services.Time.GetUtcNow()));
        }
        else if (method == RequestMethods.ToolsList)
        {
            // Pagination: only a request without a cursor starts a new set of definitions.
            firstPage = !ParamsHas(frame, "cursor"u8);
            _audit.Record("message", ProxyAudit.ClientToServer, method, id, "allow", bytes: frame.Length);
        }
        else
        {
            _audit.Record("message", ProxyAudit.ClientToServer, method, id, "allow", bytes: frame.Length);
        }

        // Registered before forwarding: the answer may come back before WriteAsync returns.
        _clientRequests[id] = new PendingRequest(method, tool, _services.Time.GetTimestamp(), firstPage, callId);
        await _toServer.WriteAsync(frame, ct);
    }

    private async ValueTask<(string Tool, JsonObject? Arguments)?> InspectToolCallAsync(ReadOnlyMemory<byte> frame, JsonRpcId id, CancellationToken ct)
    {
        // The common request is read in one pass without the strict document (FramePrecheck); anything unusual is read
        // and refused by the strict path exactly as before.
        if (!FramePrecheck.TryReadToolCall(frame, _limits.MaxJsonDepth, out var tool, out var argumentsElement))
        {
            if (await ReadToolCallStrictAsync(frame, id, ct) is not { } strict)
            {
                return null;
            }

            (tool, argumentsElement) = strict;
        }

        return await JudgeToolCallAsync(frame, id, tool, argumentsElement, ct);
    }

    /// <summary>The strict read of a tools/call: refuses repeated members, a missing name, non-object arguments.</summary>
    private async ValueTask<(string Tool, JsonElement? Arguments)?> ReadToolCallStrictAsync(ReadOnlyMemory<byte> frame, JsonRpcId id, CancellationToken ct)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame, s_strict with { MaxDepth = _limits.MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            // Duplicate keys land here: the server (JSON.parse, last key wins) might read a different tool or argument.
            await RejectClientFrameAsync(id, GuardErrorCodes.InvalidRequest, "tools/call rejected: " + ex.Message, ct);
            return null;
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("params", out var p) || p.ValueKind != JsonValueKind.Object
                || !p.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
            {
                await RejectClientFrameAsync(id, GuardErrorCodes.InvalidParams, "tools/call needs params.name", ct);
                return null;
            }

            JsonElement? arguments = p.TryGetProperty("arguments", out var a) ? a : null;
            if (arguments is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
            {
                await RejectClientFrameAsync(id, GuardErrorCodes.InvalidParams, "tools/call arguments must be an object", ct);
                return null;
            }

            // One clone, independent of the frame's buffer: the audit writes it as is, the egress inspector reads it as
            // a JsonObject (built lazily, only when an outbound request needs it).
            return (nameElement.GetString()!, arguments is { ValueKind: JsonValueKind.Object } obj ? obj.Clone() : null);
        }
    }

    /// <summary>Policy and pin checks of a read tools/call; audits it and refuses it (null) or returns what to register.</summary>
    private async ValueTask<(string Tool, JsonObject? Arguments)?> JudgeToolCallAsync(ReadOnlyMemory<byte> frame, JsonRpcId id, string tool, JsonElement? argumentsElement, CancellationToken ct)
    {
        var decision = PolicyEvaluator.EvaluateCall(_options.Policy, tool, argumentsElement);
        if (decision.Forward)
        {
            var pinProblem = await CheckPinAsync(tool, ct);
            if (pinProblem is not null)
            {
                decision = pinProblem;
            }
        }

        // The arguments are a copy independent of the frame's buffer: the audit writes it as is, the egress inspector
        // reads it as a JsonObject (built lazily, only when an outbound request needs it).
        var argumentsNode = argumentsElement is { } copy ? JsonObject.Create(copy) : null;
        if (!decision.Forward)
        {
            _audit.Record("tool-call", ProxyAudit.ClientToServer, RequestMethods.ToolsCall, id, "block",
                reason: decision.Reason, rule: decision.Rule, tool: tool, bytes: frame.Length, arguments: argumentsElement);
            Warn($"blocked call to tool '{tool}': {decision.Reason}");
            await WriteErrorAsync(_toClient, id, GuardErrorCodes.Blocked, $"McpGuard blocked this call ({decision.Rule?.Id}): {decision.Reason}", ct);
            return null;
        }

        if (decision.IsAlert)
        {
            Warn($"alert on call to tool '{tool}': {decision.Reason}");
        }

        _audit.Record("tool-call", ProxyAudit.ClientToServer, RequestMethods.ToolsCall, id, decision.IsAlert ? "alert" : "allow",
            reason: decision.Reason, rule: decision.Rule, tool: tool, bytes: frame.Length, arguments: argumentsElement);
        return (tool, argumentsNode);
    }

    private async ValueTask<PolicyDecision?> CheckPinAsync(string tool, CancellationToken ct)
    {
        if (!_pins.Enabled)
        {
            return null;
        }

        if (!_pins.HasCurrentDefinitions)
        {
            // The client may call a tool without listing first (cached list, or after list_changed): fetch the
            // server's current definitions ourselves. If that fails, the call is refused (fail closed).
            var failure = await RefreshToolsAsync(ct);
            if (failure is not null)
            {
                return new PolicyDecision(false, ProxyRules.ToolDefinitionChanged, $"could not check the pinned definition of '{tool}': {failure}");
            }
        }

        var status = _pins.CheckCall(tool);
        return PinGate.RuleFor(status) is { } rule ? new PolicyDecision(false, rule, PinGate.Explain(tool, status, Server)) : null;
    }

    // ---------------------------------------------------------------- server → client

    private async ValueTask OnServerFrameAsync(ReadOnlyMemory<byte> frame, FrameStatus status, CancellationToken ct)
    {
        try
        {
            if (Reject(frame, status) is { } problem)
            {
                await RejectServerFrameAsync(problem.Id, problem.Reason, ct);
                return;
            }

            var envelope = Envelope.Peek(frame.Span, _limits.MaxJsonDepth);
            if (envelope.Kind == FrameKind.Batch)
            {
                await ForEachBatchElementAsync(frame, (element, env) => OnServerMessageAsync(element, env, ct), id => RejectServerFrameAsync(id, "empty or nested batch", ct));
                return;
            }

            await OnServerMessageAsync(frame, envelope, ct);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
        {
            await RejectServerFrameAsync(null, "frame could not be inspected: " + ex.Message, ct);
        }
    }

    private async ValueTask OnServerMessageAsync(ReadOnlyMemory<byte> frame, Envelope envelope, CancellationToken ct)
    {
        switch (envelope.Kind)
        {
            case FrameKind.Invalid:
            case FrameKind.Batch:
                await RejectServerFrameAsync(envelope.Id ?? RecoverId(frame.Span), envelope.Problem ?? "nested batch", ct);
                return;

            case FrameKind.Request:
                var id = envelope.Id!.Value;
                if (_serverRequests.Count >= _limits.MaxRequestsInFlight || !_serverRequests.TryAdd(id, envelope.Method!))
                {
                    _audit.Record("decision", ProxyAudit.ServerToClient, envelope.Method, id, "block",
                        reason: "duplicate request id or too many server requests in flight", rule: ProxyRules.FrameRejected);
                    await WriteErrorAsync(_toServer, id, GuardErrorCodes.TooManyRequests, "McpGuard: duplicate request id or too many requests in flight", ct);
                    return;
                }

                _audit.Record("message", ProxyAudit.ServerToClient, envelope.Method, id, "allow", bytes: frame.Length);
                await _toClient.WriteAsync(frame, ct);
                return;

            case FrameKind.Notification:
                if (envelope.Method == NotificationMethods.ToolListChangedNotification)
                {
                    _pins.Invalidate();
                }

                _audit.Record("message", ProxyAudit.ServerToClient, envelope.Method, null, "allow", bytes: frame.Length);
                await _toClient.WriteAsync(frame, ct);
                return;

            default:
                await OnServerResponseAsync(frame, envelope, envelope.Id!.Value, ct);
                return;
        }
    }

    private async ValueTask OnServerResponseAsync(ReadOnlyMemory<byte> frame, Envelope envelope, JsonRpcId id, CancellationToken ct)
    {
        if (id.IsString && _internalRequests.TryRemove(id, out var waiter))
        {
            // Our own tools/list: swallowed, never shown to the client.
            waiter.TrySetResult(frame.ToArray());
            return;
        }

        if (!_clientRequests.TryRemove(id, out var pending))
        {
            _audit.Record("decision", ProxyAudit.ServerToClient, null, id, "block",
                reason: "response with an id the client never used, already answered or timed out; dropped", rule: ProxyRules.FrameRejected);
            return;
        }

        if (pending.CallId is { } callId)
        {
            _services.Calls.End(Server, callId);
        }

        var output = frame;
        if (envelope.Kind == FrameKind.Response && pending.Method == RequestMethods.ToolsList)
        {
            var inspected = await InspectToolsListAsync(frame, id, pending.FirstToolsPage, ct);
            if (inspected is null)
            {
                return;
            }

            output = inspected.Value;
        }
        else if (envelope.Kind == FrameKind.Response && pending.Tool is not null && _services.Scanner is not null)
        {
            var inspected = await InspectToolResultAsync(frame, id, pending.Tool, ct);
            if (inspected is null)
            {
                return;
            }

            output = inspected.Value;
        }
        else
        {
            _audit.Record("message", ProxyAudit.ServerToClient, pending.Method, id, envelope.Kind == FrameKind.Error ? "error" : "allow",
                tool: pending.Tool, bytes: frame.Length);
        }

        await _toClient.WriteAsync(output, ct);
    }

    // ---------------------------------------------------------------- shared helpers

    private readonly record struct FrameProblem(JsonRpcId? Id, int Code, string Reason);

    /// <summary>Checks that apply to every frame before peeking: size and UTF-8.</summary>
    private FrameProblem? Reject(ReadOnlyMemory<byte> frame, FrameStatus status)
    {
        if (status == FrameStatus.Oversize)
        {
            return new FrameProblem(RecoverId(frame.Span), GuardErrorCodes.InvalidRequest, $"frame larger than {_limits.MaxFrameBytes} bytes");
        }

        if (!Utf8.IsValid(frame.Span))
        {
            return new FrameProblem(RecoverId(frame.Span), GuardErrorCodes.ParseError, "frame is not valid UTF-8");
        }

        return null;
    }

    /// <summary>Best-effort id from a frame we refuse, so the sender's request does not hang.</summary>
    private static JsonRpcId? RecoverId(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame, isFinalBlock: false, default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isId)
                {
                    return JsonRpcId.TryRead(ref reader, out var id) ? id : null;
                }

                if (!reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
            // Broken before the id: nothing to answer to.
        }

        return null;
    }

    private static int ErrorCodeFor(string? problem) =>
        problem is not null && problem.StartsWith("malformed JSON", StringComparison.Ordinal) ? GuardErrorCodes.ParseError : GuardErrorCodes.InvalidRequest;

    private async ValueTask RejectClientFrameAsync(JsonRpcId? id, int code, string reason, CancellationToken ct)
    {
        _audit.Record("decision", ProxyAudit.ClientToServer, null, id, "block", reason: reason, rule: ProxyRules.FrameRejected);
        await WriteErrorAsync(_toClient, id, code, "McpGuard rejected this message: " + reason, ct);
    }

    /// <summary>
    /// A frame from the server we will not forward. If it answered a pending client request, that request gets an
    /// error instead (the client must not hang); otherwise it is dropped and audited.
    /// </summary>
    private async ValueTask RejectServerFrameAsync(JsonRpcId? id, string reason, CancellationToken ct)
    {
        _audit.Record("decision", ProxyAudit.ServerToClient, null, id, "block", reason: reason, rule: ProxyRules.FrameRejected);
        Warn("rejected a frame from the server: " + reason);
        if (id is { } known && _clientRequests.TryRemove(known, out var pending))
        {
            if (pending.CallId is { } callId)
            {
                _services.Calls.End(Server, callId);
            }

            await WriteErrorAsync(_toClient, known, GuardErrorCodes.ServerUnavailable, $"McpGuard: the server sent an invalid answer ({reason})", ct);
        }
    }

    private static async ValueTask WriteErrorAsync(FrameWriter writer, JsonRpcId? id, int code, string message, CancellationToken ct) =>
        await writer.WriteAsync(w =>
        {
            w.WriteStartObject();
            w.WriteString("jsonrpc", "2.0");
            w.WritePropertyName("id");
            if (id is { } value)
            {
                value.WriteTo(w);
            }
            else
            {
                w.WriteNullValue();
            }

            w.WriteStartObject("error");
            w.WriteNumber("code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
            w.WriteEndObject();
        }, ct);

    /// <summary>
    /// Batches (JSON-RPC 2.0; removed from MCP in 2025-06-18) are split: each element is judged and forwarded as its
    /// own line, and answers come back one per line. Judging the batch as a whole would let one element hide another.
    /// </summary>
    private async ValueTask ForEachBatchElementAsync(ReadOnlyMemory<byte> frame, Func<ReadOnlyMemory<byte>, Envelope, ValueTask> onElement, Func<JsonRpcId?, ValueTask> onEmpty)
    {
        var ranges = new List<(int Start, int Length)>();
        var reader = new Utf8JsonReader(frame.Span, new JsonReaderOptions { MaxDepth = _limits.MaxJsonDepth });
        reader.Read();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            ranges.Add((start, (int)reader.BytesConsumed - start));
        }

        if (ranges.Count == 0)
        {
            await onEmpty(null);
            return;
        }

        foreach (var (start, length) in ranges)
        {
            var element = frame.Slice(start, length);
            var envelope = Envelope.Peek(element.Span, _limits.MaxJsonDepth);
            await onElement(element, envelope.Kind == FrameKind.Batch ? Envelope.Invalid("nested batch") : envelope);
        }
    }

    private static bool ParamsHas(ReadOnlyMemory<byte> frame, ReadOnlySpan<byte> name)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object
            && p.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;
    }

    private void Warn(string message)
    {
        lock (_services.Diagnostics)
        {
            _services.Diagnostics.WriteLine($"mcpguard [{Server}]: {message}");
            _services.Diagnostics.Flush();
        }
    }

    private async Task FailAllPendingAsync(string reason, CancellationToken ct)
    {
        foreach (var (id, waiter) in _internalRequests)
        {
            if (_internalRequests.TryRemove(id, out _))
            {
                waiter.TrySetException(new IOException(reason));
            }
        }

        foreach (var id in _clientRequests.Keys)
        {
            if (_clientRequests.TryRemove(id, out var pending))
            {
                if (pending.CallId is { } callId)
                {
                    _services.Calls.End(Server, callId);
                }

                _audit.Record("decision", null, pending.Method, id, "error", reason: reason, tool: pending.Tool);
                await Quietly(WriteErrorAsync(_toClient, id, GuardErrorCodes.ServerUnavailable, "McpGuard: " + reason, ct).AsTask());
            }
        }
    }

    /// <summary>Tells the client in words why the server is gone (a log notification; clients show or ignore it).</summary>
    private async Task NotifyClientAsync(string reason) =>
        await _toClient.WriteAsync(w =>
        {
            w.WriteStartObject();
            w.WriteString("jsonrpc", "2.0");
            w.WriteString("method", NotificationMethods.LoggingMessageNotification);
            w.WriteStartObject("params");
            w.WriteString("level", "error");
            w.WriteString("logger", "mcpguard");
            w.WriteString("data", reason);
            w.WriteEndObject();
            w.WriteEndObject();
        }, CancellationToken.None);

    private async Task SweepTimeoutsAsync()
    {
        try
        {
            foreach (var (id, pending) in _clientRequests)
            {
                if (_services.Time.GetElapsedTime(pending.Started) < _limits.RequestTimeout || !_clientRequests.TryRemove(id, out _))
                {
                    continue;
                }

                if (pending.CallId is { } callId)
                {
                    _services.Calls.End(Server, callId);
                }

                var reason = $"no answer from the server within {_limits.RequestTimeout.TotalSeconds:0} s";
                _audit.Record("decision", null, pending.Method, id, "error", reason: reason, tool: pending.Tool);
                await WriteErrorAsync(_toClient, id, GuardErrorCodes.Timeout, "McpGuard: " + reason, CancellationToken.None);

                // Tell the server too, so it can stop the work; its late answer will be dropped as an unknown id.
                await _toServer.WriteAsync(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("jsonrpc", "2.0");
                    w.WriteString("method", NotificationMethods.CancelledNotification);
                    w.WriteStartObject("params");
                    w.WritePropertyName("requestId");
                    id.WriteTo(w);
                    w.WriteString("reason", "timed out in McpGuard");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A peer is gone; the session's shutdown path handles the rest.
        }
    }
}
