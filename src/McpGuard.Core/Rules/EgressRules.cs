using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>MCPG600–MCPG649: decisions of the egress proxy that stands between a sandboxed server and the network.</summary>
public static class EgressRules
{
    public static readonly RuleDescriptor HostNotAllowed = new(
        "MCPG600", "egress-host-not-allowed", "Outbound request to a host that is not allowed",
        Severity.High,
        "The server tried to reach a host that its policy does not list, so the request was blocked.",
        "If the server really needs that host, add it with --allow-host (or in the policy); otherwise investigate why it calls out there.");

    public static readonly RuleDescriptor UnexpectedRecipient = new(
        "MCPG601", "egress-unexpected-recipient", "Email recipient the tool call never asked for",
        Severity.Critical,
        "The server asked a mail API to send to an address (To, Cc, Bcc, batch entry or MIME header) that appears in no argument of the tool calls in flight, so the request was blocked.",
        "Treat the server version as compromised: stop using it, diff it against the last approved version, and check the mail provider's logs for earlier hidden recipients.");

    public static readonly RuleDescriptor NoCallInFlight = new(
        "MCPG602", "egress-no-call-in-flight", "Outbound request with a body while no tool call was in flight",
        Severity.Medium,
        "The server sent data to an allowed host while no tool call was running; beacons and background exfiltration look like this.",
        "Check what the server sends in the background (the audit log names host and path); deny the host if the traffic is not expected.");

    public static readonly RuleDescriptor UninspectableBody = new(
        "MCPG603", "egress-uninspectable-body", "Outbound body could not be inspected",
        Severity.High,
        "An outbound request body was too large, truncated or not parsable for a host with content rules; it was blocked because what cannot be inspected cannot be allowed.",
        "If the request is legitimate, raise the egress body limit in the policy; a garbled mail API body is itself suspicious.");

    public static readonly RuleDescriptor PlaceholderExfiltration = new(
        "MCPG604", "egress-placeholder-exfiltration", "Credential placeholder sent where it does not belong",
        Severity.Critical,
        "The placeholder McpGuard gave the server instead of a real credential appeared outside the one header and host it belongs to (another header, the URL, the body or another host): an attempt to carry the credential elsewhere.",
        "Treat the server version as compromised; the real credential never left, but find out why the server copies its token.");

    public static readonly RuleDescriptor UnexpectedDataInBody = new(
        "MCPG605", "egress-unexpected-data", "Outbound body carries an address or secret the call did not provide",
        Severity.Medium,
        "An outbound body contains an email address or a secret that appears neither in the tool call's arguments nor in the policy.",
        "Check the audit event; add expected addresses (for example the sender) to the policy's known addresses.");

    public static readonly RuleDescriptor ProtocolViolation = new(
        "MCPG606", "egress-protocol-violation", "Malformed or evasive outbound HTTP request",
        Severity.Medium,
        "An outbound request broke HTTP/1.1 rules the proxy enforces (conflicting Content-Length and Transfer-Encoding, Host or SNI not matching the CONNECT target, an opaque non-TLS tunnel, an upgrade, TRACE), so it was refused.",
        "Well-behaved HTTP clients never do this; if a legitimate client does, report it with the audit event.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
        [HostNotAllowed, UnexpectedRecipient, NoCallInFlight, UninspectableBody, PlaceholderExfiltration, UnexpectedDataInBody, ProtocolViolation];
}
