using McpGuard.Core.Rules;
using McpGuard.Core.Tools;
using McpGuard.Verify.Lock;

namespace McpGuard.Runtime.Pins;

/// <summary>How a tool the server offers now compares with the lock.</summary>
public enum PinStatus
{
    /// <summary>No pins for this server (no lock entry): pinning is off.</summary>
    Unpinned,
    Approved,
    Changed,
    NotApproved,
}

/// <summary>
/// Compares tool definitions with the pins of one server and remembers the definitions last listed by the
/// server, so that a tools/call can be judged against what the server currently offers. Thread-safe.
/// </summary>
public sealed class PinGate(LockedServer? locked)
{
    private readonly Lock _gate = new();
    private Dictionary<string, (ToolDefinition Definition, string Hash)>? _current;

    public bool Enabled => locked is not null;

    /// <summary>False until a tools/list result was seen, and again after notifications/tools/list_changed.</summary>
    public bool HasCurrentDefinitions
    {
        get
        {
            lock (_gate)
            {
                return _current is not null;
            }
        }
    }

    public PinStatus Check(ToolDefinition tool) => Check(tool.Name, ToolPin.Hash(tool));

    private PinStatus Check(string name, string hash)
    {
        if (locked is null)
        {
            return PinStatus.Unpinned;
        }

        if (!locked.Tools.TryGetValue(name, out var pin))
        {
            return PinStatus.NotApproved;
        }

        return pin.Hash == hash ? PinStatus.Approved : PinStatus.Changed;
    }

    /// <summary>Records one page of a tools/list result; <paramref name="firstPage"/> starts a new set.</summary>
    public void Record(IEnumerable<ToolDefinition> tools, bool firstPage)
    {
        lock (_gate)
        {
            if (firstPage || _current is null)
            {
                _current = new Dictionary<string, (ToolDefinition, string)>(StringComparer.Ordinal);
            }

            foreach (var tool in tools)
            {
                _current[tool.Name] = (tool, ToolPin.Hash(tool));
            }
        }
    }

    /// <summary>The server said its tools changed: the next call waits for a fresh tools/list.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _current = null;
        }
    }

    /// <summary>
    /// The status of a tool about to be called, from the definitions last listed. A tool the server no longer lists
    /// is judged by the lock alone (the server will answer "unknown tool" itself).
    /// </summary>
    public PinStatus CheckCall(string name)
    {
        if (locked is null)
        {
            return PinStatus.Unpinned;
        }

        lock (_gate)
        {
            if (_current is not null && _current.TryGetValue(name, out var entry))
            {
                return Check(name, entry.Hash);
            }
        }

        return locked.Tools.ContainsKey(name) ? PinStatus.Approved : PinStatus.NotApproved;
    }

    public static RuleDescriptor? RuleFor(PinStatus status) => status switch
    {
        PinStatus.Changed => ProxyRules.ToolDefinitionChanged,
        PinStatus.NotApproved => ProxyRules.ToolNotApproved,
        _ => null,
    };

    public static string Explain(string tool, PinStatus status, string server) => status switch
    {
        PinStatus.Changed => $"the definition of tool '{tool}' changed since it was approved; run 'mcpguard approve --name {server} --tool {tool}' to review it",
        PinStatus.NotApproved => $"tool '{tool}' is not in the lock file; run 'mcpguard approve --name {server} --tool {tool}' to review it",
        _ => "",
    };
}
