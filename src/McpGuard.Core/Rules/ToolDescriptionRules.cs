using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>
/// MCPG3xx: rules over what a tool tells the model (name, title, description, input schema) and over text a tool
/// returns. They run offline on saved tools/list results and extracted definitions, and live in the proxy.
/// </summary>
public static class ToolDescriptionRules
{
    public static readonly RuleDescriptor HiddenInstructionTag = new(
        "MCPG301", "tool-hidden-instruction-tag", "Hidden instruction block in tool text",
        Severity.High,
        "The text contains a pseudo-markup block such as <IMPORTANT>, <instructions> or <system> that addresses the AI model rather than the user; this is how tool-poisoning attacks hide orders in descriptions.",
        "Do not use this server until its author explains the block; remove the tool or pin an earlier, clean version.");

    public static readonly RuleDescriptor PromptOverride = new(
        "MCPG302", "tool-prompt-override", "Tool text tries to override the model's instructions",
        Severity.High,
        "The text tells the model to ignore or replace its previous instructions or to reveal its system prompt (prompt injection).",
        "Treat the server as hostile: remove it from the client configuration or hide the tool with a policy.");

    public static readonly RuleDescriptor ConcealFromUser = new(
        "MCPG303", "tool-conceal-from-user", "Tool text asks the model to hide something from the user",
        Severity.High,
        "The text asks the model not to tell or mention something to the user, or to act silently; an honest tool has nothing to hide from the person using it.",
        "Remove the tool or the server; report the package to the registry if it is published.");

    public static readonly RuleDescriptor SensitiveFileRead = new(
        "MCPG304", "tool-sensitive-file-instruction", "Tool text tells the model to read keys or credential files",
        Severity.High,
        "The text asks the model to read, include or send a private key, SSH folder, .env file, MCP client configuration or another credential store.",
        "Do not run this tool; an MCP client configuration holds other servers' tokens. Remove the server and rotate exposed keys.");

    public static readonly RuleDescriptor ToolShadowing = new(
        "MCPG305", "tool-shadowing", "Tool text changes how other tools behave",
        Severity.High,
        "The text gives orders about other tools or servers (\"when the send_email tool is used...\", \"override the recipient\"): a shadowing attack that hijacks a trusted tool from an untrusted one.",
        "Remove the server whose description gives orders about other tools; review recent actions of the shadowed tools.");

    public static readonly RuleDescriptor ExfiltrationParameter = new(
        "MCPG306", "tool-exfiltration-parameter", "Input parameter asks for conversation or secrets",
        Severity.High,
        "A parameter (often named notes, feedback, context, metadata, sidenote or debug) is described as something the model should fill with the conversation, its instructions, file contents or credentials: an exfiltration channel.",
        "Do not call the tool; hide it with a policy or remove the server.");

    public static readonly RuleDescriptor UnicodeTagCharacters = new(
        "MCPG307", "tool-unicode-tag-characters", "Invisible Unicode tag characters (ASCII smuggling)",
        Severity.Critical,
        "The text contains characters from the Unicode tag block (U+E0000-U+E007F). They are invisible on screen but models read them as text, so they smuggle instructions past a human reviewer.",
        "Remove the server; there is no legitimate reason for tag characters in tool text.");

    public static readonly RuleDescriptor BidiControl = new(
        "MCPG308", "tool-bidi-control", "Bidirectional control characters in tool text",
        Severity.High,
        "The text contains bidirectional override or isolate characters (U+202A-U+202E, U+2066-U+2069) that make what a reviewer sees differ from what the model reads.",
        "Remove the characters (or the server) and review the text as the escaped code points show it.");

    public static readonly RuleDescriptor ZeroWidthCharacters = new(
        "MCPG309", "tool-zero-width-characters", "Invisible zero-width characters in tool text",
        Severity.Medium,
        "The text contains zero-width or other invisible formatting characters (U+200B-U+200D, U+2060-U+2064, U+FEFF, soft hyphen) that can hide words from a reviewer or split keywords to dodge filters.",
        "Ask the author to remove them; look at the escaped excerpt to see what they hide.");

    public static readonly RuleDescriptor AnsiEscape = new(
        "MCPG310", "tool-ansi-escape", "Terminal escape sequences in tool text",
        Severity.High,
        "The text contains ANSI escape sequences; terminals interpret them, so they can hide or rewrite what a person sees in a console while the model still reads the hidden text.",
        "Strip escape sequences from tool text and outputs (the proxy can do this by policy) or remove the server.");

    public static readonly RuleDescriptor InjectedRecipient = new(
        "MCPG311", "tool-injected-recipient", "Tool text adds a fixed recipient or destination",
        Severity.High,
        "The text tells the model to always copy (BCC/CC) or send messages or data to a fixed address, the postmark-mcp pattern expressed as an instruction.",
        "Check every message the tool sent; remove the tool and block the address with a policy argument constraint.");

    public static readonly RuleDescriptor CoerciveInstruction = new(
        "MCPG312", "tool-coercive-instruction", "Tool text pressures the model with threats or false requirements",
        Severity.Medium,
        "The text uses pressure the user cannot see (\"otherwise the tool will not work\", \"the application will crash\", \"call this before answering anything\") to force the model into steps the user did not ask for.",
        "Review the full description; if the pressure serves a hidden step, remove the tool.");

    public static readonly RuleDescriptor MaliciousCapability = new(
        "MCPG313", "tool-malicious-capability", "Tool openly describes an attack capability",
        Severity.High,
        "The description states an offensive purpose: exfiltrating data, stealing credentials, keylogging, backdoors, reverse shells, privilege escalation or bypassing security controls.",
        "Do not install such a server on a machine with real data; if it is a deliberate security tool, run it only in an isolated lab.");

    public static readonly RuleDescriptor EmbeddedCommand = new(
        "MCPG314", "tool-embedded-command", "Tool text tells the model to run a dangerous command",
        Severity.High,
        "The text asks the model to run or prefix commands with something destructive or remote (\"chmod -R 0666 ~\", \"curl ... | sh\", \"rm -rf\"), or embeds a script tag.",
        "Never let the model run the command; remove the tool.");

    public static readonly RuleDescriptor Unscannable = new(
        "MCPG315", "tool-text-unscannable", "Tool text too large or complex to check",
        Severity.Medium,
        "Part of a tool definition or output exceeded McpGuard's limits (schema depth, number of strings, time), so it was not checked; attackers pad schemas to hide text past such limits.",
        "Look at the named field by hand; a legitimate tool rarely needs a schema this deep or large.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
    [
        HiddenInstructionTag, PromptOverride, ConcealFromUser, SensitiveFileRead, ToolShadowing, ExfiltrationParameter,
        UnicodeTagCharacters, BidiControl, ZeroWidthCharacters, AnsiEscape, InjectedRecipient, CoerciveInstruction,
        MaliciousCapability, EmbeddedCommand, Unscannable,
    ];
}
