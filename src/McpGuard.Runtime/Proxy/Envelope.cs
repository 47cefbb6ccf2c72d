using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace McpGuard.Runtime.Proxy;

public enum FrameKind
{
    /// <summary>Not a JSON-RPC 2.0 message: bad JSON, duplicate top-level member, wrong shape.</summary>
    Invalid,
    Request,
    Notification,
    Response,
    Error,
    Batch,
}

/// <summary>
/// The routing facts of one frame, read with a forward-only <see cref="Utf8JsonReader"/> without building a
/// document: kind, id and method. params/result are skipped (still syntax-checked), so uninspected frames
/// cost one pass and no allocation for numeric ids and known methods.
/// </summary>
public readonly record struct Envelope(FrameKind Kind, JsonRpcId? Id, string? Method, string? Problem)
{
    // Interned so that matching a known method allocates nothing; unknown methods allocate their string once per frame.
    private static readonly string[] s_knownMethods =
    [
        RequestMethods.ToolsCall, RequestMethods.ToolsList, RequestMethods.Initialize, RequestMethods.Ping,
        RequestMethods.ResourcesList, RequestMethods.ResourcesRead, RequestMethods.ResourcesTemplatesList,
        RequestMethods.ResourcesSubscribe, RequestMethods.ResourcesUnsubscribe, RequestMethods.PromptsList,
        RequestMethods.PromptsGet, RequestMethods.CompletionComplete, RequestMethods.LoggingSetLevel,
        RequestMethods.SamplingCreateMessage, RequestMethods.ElicitationCreate, RequestMethods.RootsList,
        NotificationMethods.InitializedNotification, NotificationMethods.CancelledNotification,
        NotificationMethods.ProgressNotification, NotificationMethods.ToolListChangedNotification,
        NotificationMethods.LoggingMessageNotification, NotificationMethods.ResourceUpdatedNotification,
        NotificationMethods.ResourceListChangedNotification, NotificationMethods.PromptListChangedNotification,
        NotificationMethods.RootsListChangedNotification,
    ];

    private static readonly byte[][] s_knownMethodBytes = [.. s_knownMethods.Select(System.Text.Encoding.UTF8.GetBytes)];

    public static Envelope Invalid(string problem, JsonRpcId? id = null) => new(FrameKind.Invalid, id, null, problem);

    /// <summary>Peeks one complete frame. Never throws: malformed input is reported as <see cref="FrameKind.Invalid"/>.</summary>
    public static Envelope Peek(ReadOnlySpan<byte> frame, int maxDepth)
    {
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = maxDepth });
        JsonRpcId? id = null;
        string? method = null;
        bool sawJsonRpc = false, sawId = false, sawMethod = false, sawParams = false, sawResult = false, sawError = false;
        bool idIsNull = false;
        try
        {
            if (!reader.Read())
            {
                return Invalid("empty frame");
            }

            if (reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Skip();
                return reader.Read() ? Invalid("trailing data after the batch") : new Envelope(FrameKind.Batch, null, null, null);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Invalid("a JSON-RPC message must be an object or an array");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("jsonrpc"u8))
                {
                    if (sawJsonRpc)
                    {
                        return Invalid("duplicate member \"jsonrpc\"", id);
                    }

                    sawJsonRpc = true;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("2.0"u8))
                    {
                        return Invalid("\"jsonrpc\" must be \"2.0\"", id);
                    }
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    if (sawId)
                    {
                        // Two ids: the proxy and the peer could pair the response with different requests.
                        return Invalid("duplicate member \"id\"", id);
                    }

                    sawId = true;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        idIsNull = true;
                    }
                    else if (JsonRpcId.TryRead(ref reader, out var parsed))
                    {
                        id = parsed;
                    }
                    else
                    {
                        reader.Skip();
                        return Invalid("\"id\" must be a string or a number");
                    }
                }
                else if (reader.ValueTextEquals("method"u8))
                {
                    if (sawMethod)
                    {
                        // Parser differential: a policy reading the first "method" and a server taking the last.
                        return Invalid("duplicate member \"method\"", id);
                    }

                    sawMethod = true;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return Invalid("\"method\" must be a string", id);
                    }

                    method = ReadMethod(ref reader);
                }
                else
                {
                    ref var seen = ref sawParams;
                    if (reader.ValueTextEquals("result"u8))
                    {
                        seen = ref sawResult;
                    }
                    else if (reader.ValueTextEquals("error"u8))
                    {
                        seen = ref sawError;
                    }
                    else if (!reader.ValueTextEquals("params"u8))
                    {
                        // Unknown members pass through untouched (forward compatibility), after a syntax check.
                        reader.Read();
                        reader.Skip();
                        continue;
                    }

                    if (seen)
                    {
                        return Invalid("duplicate member \"params\", \"result\" or \"error\"", id);
                    }

                    seen = true;
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                return Invalid("trailing data after the message", id);
            }
        }
        catch (JsonException ex)
        {
            return Invalid("malformed JSON: " + ex.Message, id);
        }

        if (!sawJsonRpc)
        {
            return Invalid("\"jsonrpc\": \"2.0\" is missing", id);
        }

        if (sawMethod)
        {
            if (sawResult || sawError)
            {
                return Invalid("a message cannot carry both \"method\" and \"result\"/\"error\"", id);
            }

            if (idIsNull)
            {
                return Invalid("a request id must not be null");
            }

            return new Envelope(sawId ? FrameKind.Request : FrameKind.Notification, id, method, null);
        }

        if (sawResult == sawError)
        {
            return Invalid("a response needs exactly one of \"result\" and \"error\"", id);
        }

        if (id is null)
        {
            // An error with id null answers a request the peer could not parse: nothing to pair it with.
            return Invalid(idIsNull ? "response with a null id" : "response without an id");
        }

        return new Envelope(sawResult ? FrameKind.Response : FrameKind.Error, id, null, null);
    }

    private static string ReadMethod(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            for (var i = 0; i < s_knownMethodBytes.Length; i++)
            {
                if (reader.ValueSpan.SequenceEqual(s_knownMethodBytes[i]))
                {
                    return s_knownMethods[i];
                }
            }
        }

        return reader.GetString()!;
    }
}
