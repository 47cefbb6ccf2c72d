using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpGuard.Runtime.Calls;

namespace McpGuard.Runtime.Egress;

/// <summary>
/// Everything the user asked for through the tool calls in flight for one server: every string value of their
/// arguments (at any depth), and the email addresses found in them, normalised (lower case, trimmed).
/// </summary>
internal sealed partial class CallArguments
{
    private readonly HashSet<string> _addresses = new(StringComparer.Ordinal);
    private readonly List<string> _strings = [];

    public CallArguments(IReadOnlyList<InFlightCall> calls)
    {
        Calls = calls;
        foreach (var call in calls)
        {
            Collect(call.Arguments);
        }
    }

    public IReadOnlyList<InFlightCall> Calls { get; }

    public bool HasCalls => Calls.Count > 0;

    /// <summary>True when <paramref name="address"/> (any case) is one of the addresses in the arguments.</summary>
    public bool ContainsAddress(string address) => _addresses.Contains(NormalizeAddress(address));

    /// <summary>True when some argument string contains <paramref name="text"/>, ignoring case.</summary>
    public bool ContainsText(string text) =>
        _strings.Exists(s => s.Contains(text, StringComparison.OrdinalIgnoreCase));

    public static string NormalizeAddress(string address)
    {
        var trimmed = address.Trim().Trim('<', '>').Trim();
        if (trimmed.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[7..];
        }

        return trimmed.TrimEnd('.').ToLowerInvariant();
    }

    /// <summary>Email addresses in free text (JSON, form data, MIME), normalised.</summary>
    public static IEnumerable<string> FindAddresses(string text)
    {
        foreach (Match match in AddressPattern().Matches(text))
        {
            yield return NormalizeAddress(match.Value);
        }
    }

    private void Collect(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Collect(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                _strings.Add(text);
                foreach (var address in FindAddresses(text))
                {
                    _addresses.Add(address);
                }

                break;
        }
    }

    // Permissive on purpose: a false "address" only costs a flag, a missed one could hide a recipient.
    [GeneratedRegex(@"(?<![A-Za-z0-9._%+'=-])[A-Za-z0-9._%+'=-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex AddressPattern();
}
