using System.Buffers;
using System.Text.RegularExpressions;
using McpGuard.Core.Text;

namespace McpGuard.Verify.Analysis.ToolDescriptions;

/// <summary>
/// The phrase patterns behind the MCPG3xx rules. Long text is matched by a NonBacktracking copy (linear in the text
/// length, so a hostile multi-megabyte tool output cannot stall the proxy), short text by the generated backtracking
/// code, which keeps no automaton in memory (<see cref="SizeGuardedRegex"/>); the timeout is a second line of defence.
/// Patterns run on normalised text (invisible characters removed) so zero-width splitting does not dodge them.
/// </summary>
internal static partial class TextPatterns
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    /// <summary>Generous: linear scans of 10 MB take well under a second; a timeout means a starved machine.</summary>
    private const int TimeoutMs = 10_000;

    // Each phrase pattern with the words any match must contain: a vectorised search for them skips the regex on
    // the (typical) text that cannot match. Keep them in step with the pattern when editing either.
    public static Phrase HiddenTag { get; } = new(HiddenTagRegex(), ["<", "["]);
    public static Phrase PromptOverride { get; } = new(PromptOverrideRegex(), ["ignore", "disregard", "forget", "override", "bypass", "prompt", "instructions", "now"]);
    public static Phrase ConcealFromUser { get; } = new(ConcealFromUserRegex(), ["user", "human", "operator", "them", "mention", "tell", "reveal", "disclos", "secret", "silently", "covertly", "quietly"]);
    public static Phrase StrongSensitiveFile { get; } = new(StrongSensitiveFileRegex(), ["ssh", "id_", "mcp.json", "claude_desktop", "cursor/", ".aws", "npmrc", "pypirc", "netrc", "git-credentials", ".docker", ".kube", "/etc/shadow", "wallet.dat", "gnupg", "known_hosts", "authorized_keys"]);
    public static Phrase WeakSensitiveFile { get; } = new(WeakSensitiveFileRegex(), [".env", "/etc/passwd", "key", "password", "credential", "secret", "token", "environment", "env var", "cookie"]);
    public static Phrase Shadowing { get; } = new(ShadowingRegex(), ["tool", "overrid", "hijack", "intercept", "redirect", "server", "instead", "functions."]);
    public static Phrase OtherToolDirective { get; } = new(OtherToolDirectiveRegex(), ["tool"]);
    public static Phrase InjectedRecipient { get; } = new(InjectedRecipientRegex(), ["@", "http"]);
    public static Phrase Coercive { get; } = new(CoerciveRegex(), ["otherwise", "crash", "lost", "important", "requirement", "optional", "before", "without", "first step", "required for"]);
    public static Phrase EmbeddedCommand { get; } = new(EmbeddedCommandRegex(), ["chmod", "curl", "wget", "rm -", "<", "powershell", "nc ", "ncat", "base64", "prefix", ":()"]);
    public static Phrase ExfiltrationContent { get; } = new(ExfiltrationContentRegex(), ["conversation", "chat", "dialog", "message", "transcript", "context", "prompt", "instructions", "key", "password", "credential", "secret", "token", "environment", "env var", "content"]);
    public static Phrase MaliciousCapability { get; } = new(MaliciousCapabilityRegex(), null);
    public static Phrase MaliciousCapabilityMore { get; } = new(MaliciousCapabilityMoreRegex(), null);

    /// <summary>
    /// Every trigger of the phrases that have one (declared after them: static initialisers run in order). Text without
    /// any of them cannot match any of those phrases, so one search over it replaces one search per phrase: a tool
    /// result is mostly such text, and the per-phrase searches were most of the scan's cost per result in the proxy.
    /// </summary>
    public static TriggerSet AnyPhraseTrigger { get; } = new([HiddenTag, PromptOverride, ConcealFromUser, StrongSensitiveFile, WeakSensitiveFile,
        Shadowing, OtherToolDirective, InjectedRecipient, Coercive, EmbeddedCommand]);

    // Pseudo-markup addressed to the model: <IMPORTANT>, <instructions>, <system>, [INST], <|im_start|>.
    [GeneratedRegex(@"<\s*/?\s*(important|instructions?|system|secret|hidden|admin|critical|system[_-]?prompt|(ai|assistant|model|llm)[_-]?(instructions?|note))\s*>|\[\s*(system|inst|important)\s*\]|<<\s*sys\s*>>|<\|\s*(im_start|im_end|system|endoftext)\s*\|>", Options, TimeoutMs)]
    private static partial Regex HiddenTagRegex();

    [GeneratedRegex(@"\b(ignore|disregard|forget|override|bypass)\s+((all|any|the|your|these|those|of)\s+)*(previous|prior|above|earlier|preceding|original|system|existing)\s+(instructions?|prompts?|rules|directions|guidelines|directives|messages)\b|\b(reveal|print|show|output|repeat|leak|disclose)\s+(me\s+)?(your|the)\s+(system\s+prompt|hidden\s+instructions|initial\s+instructions|instructions\s+above)\b|\byou\s+are\s+now\s+(in\s+)?(developer|dan|jailbreak|god|unrestricted)\s*mode\b|\bnew\s+(system\s+)?instructions\s*:", Options, TimeoutMs)]
    private static partial Regex PromptOverrideRegex();

    [GeneratedRegex(@"\b(do\s+not|don'?t|never|no\s+need\s+to|without)\s+(tell(ing)?|mention(ing)?|inform(ing)?|notify(ing)?|alert(ing)?|reveal(ing)?|disclos(e|ing)|let(ting)?\s+know|explain(ing)?\s+(this|it)|say(ing)?\s+anything)\s+((this|that|it|anything|about\s+(this|it)|the)\s+)*(to\s+)?(the\s+)?(user|human|operator|them)\b|\b(do\s+not|don'?t|never)\s+(mention|tell|reveal|disclose)\s+(that\s+you|this\b|these\s+(steps|instructions))|\b(hide|conceal|keep)\s+(this|it|these|the\s+\w+)\s+(\w+\s+)?(from|secret\s+from)\s+(the\s+)?user\b|\buser\s+(must|should|will)\s+(not|never)\s+(know|see|notice|find\s+out|be\s+told)\b|\bthis\s+is\s+a\s+secret\b|\b(secretly|silently|covertly|quietly)\s+(send|sends|forward|forwards|copy|copies|upload|uploads|exfiltrat\w*|collect\w*|transmit\w*|include|includes|add|adds|bcc|record|records|log|logs)\b", Options, TimeoutMs)]
    private static partial Regex ConcealFromUserRegex();

    // Strong targets: any verb that makes the model touch them is enough.
    [GeneratedRegex(@"\b(read|cat|open|load|access|include|pass|send|upload|attach|copy|extract|collect|fetch|retrieve|provide|share|forward|append|paste|dump|print|output|look\s+up|check|scan)\b[^\n]{0,80}(~/\.ssh|\.ssh/|\bid_(rsa|dsa|ecdsa|ed25519)\b|\bmcp\.json\b|claude_desktop_config\.json|\.cursor/|\.aws/credentials|\.npmrc\b|\.pypirc\b|\.netrc\b|\.git-credentials|\.docker/config\.json|\.kube/config|/etc/shadow\b|\bwallet\.dat\b|\.gnupg/|known_hosts|authorized_keys)", Options, TimeoutMs)]
    private static partial Regex StrongSensitiveFileRegex();

    // Weak targets (.env, generic secrets) need a verb that moves the content somewhere.
    [GeneratedRegex(@"\b(pass|send|include|upload|attach|forward|share|append|post|transmit|exfiltrat\w*|leak|embed|put|paste)\s+((its|their|the|all|any|your|user'?s?|every|full|entire)\s+)*(contents?\s+of\s+)?(\.env\b|\.env\s+files?|/etc/passwd|private\s+keys?|ssh\s+keys?|api\s+keys?|passwords?|credentials|secrets|access\s+tokens?|environment\s+variables|env\s+vars?|session\s+cookies?)", Options, TimeoutMs)]
    private static partial Regex WeakSensitiveFileRegex();

    [GeneratedRegex(@"\b(when|whenever|if|once)\s+(the\s+|this\s+|any\s+|another\s+)?[`'""]?[\w.-]+[`'""]?\s+tool\s+is\s+(present|available|used|called|invoked|loaded|installed|enabled|active)\b|\b(override|overrides|overriding)\s+(the\s+)?(behaviou?r|recipient|destination|instructions|parameters?|arguments?)\b|\b(hijack|intercept|redirect)\s+(the\s+|all\s+)?(calls?|requests?|e-?mails?|messages?|recipient|output|results?)\b|\bside\s+effects?\s+on\s+(the\s+)?((also\s+)?present\s+|other\s+)?[`'""]?[\w.-]+[`'""]?\s+tool\b|\b(before|after)\s+using\s+(any|every|all)\s+(other\s+)?tools?\b|\b(all|every|any)\s+other\s+(tools?|servers?)\s+(must|should|need\s+to|are\s+required\s+to)\b|\binstead\s+of\s+(to\s+)?(the\s+)?(user'?s?|intended|actual|real|original|specified|requested)\s+(recipient|address|destination|server|tool|account|endpoint)\b|\b(mcp_tool_|functions\.)[\w-]+\s+(tool\s+)?(must|should|shall|will)\b", Options, TimeoutMs)]
    private static partial Regex ShadowingRegex();

    // "the X tool must send/use/...": X is checked against the tool's own name by the caller.
    [GeneratedRegex(@"\b(the\s+)?[`'""]?(?<tool>[A-Za-z][\w-]*[_-][\w-]*)[`'""]?\s+tool\s+(must|should|shall|needs\s+to|has\s+to)\s+(always\s+)?(send|use|include|add|forward|call|pass|route|bcc|cc|copy)\b", Options, TimeoutMs)]
    private static partial Regex OtherToolDirectiveRegex();

    [GeneratedRegex(@"\b(always|also|additionally|silently|secretly|automatically)\s+(bcc|cc|copy|forward|send|include|add|cc:|bcc:)\b[^\n]{0,80}[\w.+-]+@[\w-]+(\.[\w-]+)+|\b(send|forward|redirect|route|copy|bcc|cc)\s+(all|every|each|any)\s+(e-?mails?|messages?|data|requests?|results?|outputs?|files?|conversations?)\s+(to|at)\b[^\n]{0,40}([\w.+-]+@[\w-]+\.[\w.-]+|https?://)|\bbcc\b[^\n]{0,60}[\w.+-]+@[\w-]+\.[\w.-]+", Options, TimeoutMs)]
    private static partial Regex InjectedRecipientRegex();

    [GeneratedRegex(@"\botherwise\s+(the\s+|this\s+)?(tool|it|application|app|system|request)\s+(will|would|may)\s+(not\s+work|fail|crash|break)\b|\b(application|system|app)\s+will\s+crash\b|\ball\s+(the\s+)?data\s+will\s+be\s+lost\b|\b(very\s+){2,}important\b|\b(critical|mandatory)\s+(compliance\s+|security\s+)?requirement\b|\bnot\s+optional\b|\b(before|without)\s+(asking|answering|responding|replying|providing)\s+(clarifying\s+questions|any\s+(content|answer)|anything)\b|\bimmediately\s+as\s+the\s+first\s+step\b|\b(this\s+is\s+)?required\s+for\s+(internal\s+)?(auditing|compliance|gdpr|soc\s?2)\b|\bwithout\s+calling\s+this\s+tool\b", Options, TimeoutMs)]
    private static partial Regex CoerciveRegex();

    [GeneratedRegex(@"\b(exfiltrat\w*|keylog\w*|key\s+logger|reverse\s+shell|bind\s+shell|web\s*shell|backdoors?|rootkits?|ransomware|credential\s+(harvest\w*|dump\w*|theft|steal\w*|stuffing)|harvest\w*\s+(credentials|passwords|tokens)|steal(s|ing)?|mimikatz|lsass|privilege\s+escalation|escalate\s+privileges|(bypass|evade|evading|disable|disabling)\s+(\w+\s+){0,2}(uac|antivirus|av|edr|defender|amsi|etw|logging|security|authentication|2fa|mfa|detection|firewall|sandbox|applocker|audit)|attacker[\s-]controlled|malicious\s+(payload|library|code|dll|content|commands?|scripts?|files?)|crack(s|ing)?\s+(\w+\s+)?(passwords?|hash(es)?|wpa)|brute[\s-]?forc\w*|sniff\w*\s+(\w+\s+)?(passwords?|credentials|traffic)|inject\w*\s+(malicious|shellcode|payload)|shellcode|persistence\s+mechanism|cryptominer|crypto\s*jack\w*|(wipe|clear|delete|tamper\s+with)\s+(security\s+|event\s+|audit\s+|system\s+)?(logs|evidence)|anti[\s-]forensic\w*|hide\s+(data|files|processes?|payloads?)\s+in|c2\s+(server|channel|beacon)|command[\s-]and[\s-]control|dns\s+tunnel\w*|kerberoast\w*|pass[\s-]the[\s-](hash|ticket)|ntlm\s+relay|sql\s+injection|exploit(s|ing)?\b|spoof\w*|phishing|steganograph\w*|dll\s+(hijack\w*|injection|sideload\w*)|process\s+(hollowing|injection)|token\s+(impersonation|theft)|(dump|extract)\w*\s+(\w+\s+)?(password\s+hash(es)?|ntds|sam\s+database|browser\s+(passwords|cookies|credentials))|arbitrary\s+(code|command)\s+execution|execute\s+arbitrary\s+(\w+\s+)?(code|commands?))", Options, TimeoutMs)]
    private static partial Regex MaliciousCapabilityRegex();

    // Split from the pattern above: one NonBacktracking automaton has a size limit.
    [GeneratedRegex(@"\b(stolen|(steal|harvest|dump|decrypt|exfiltrat|extract)\w*\s+(\w+\s+){0,2}(passwords|credentials|keyring|keychain|password\s+hashes|cookies|autofill)|(command|code|sql|template|object|process|dll|library|shellcode|apc|ognl|expression\s+language|xxe|ldap|xpath|crlf)\s+injection|deserialization\s+(attack|exploit|gadget)|gadget\s+chain|(escape|break\s+out\s+of)\s+(the\s+|a\s+)?(container|chroot|sandbox|jail|vm|virtual\s+machine|hypervisor)|attack(s|ing)?\s+(accounts?|users?|hosts?|targets?|systems?|servers?|networks?|on|against|via|with)\b|(perform|launch|run|execute|conduct)\s+(a\s+|an\s+)?(\w+\s+){0,2}attacks?\b|password\s+spray\w*|fork\s+bomb|(llmnr|nbt-ns|arp|dns\s+cache)\s+poison\w*|poison\w*\s+(llmnr|nbt-ns|arp|dns\s+cache)|timestomp\w*|hide\s+(\w+\s+)?(activity|tracks|traces)|(silver|golden|diamond)\s+ticket|dcsync|ntds\.dit|as-?rep\s*roast\w*|zip\s+slip|path\s+traversal|(account|domain|subdomain)\s+takeover|for\s+takeover|\bssrf\b|exhaust\s+(disk|inodes?|memory|process|filesystem)|hijack(s|ed|ing)?\b|(bypass|evade|disable)\s+(\w+\s+){0,2}(selinux|apparmor|seccomp|tcc|sip|gatekeeper|smartscreen|protections|restrictions|signature\s+checks?)|impersonate\s+(a\s+)?privileged)", Options, TimeoutMs)]
    private static partial Regex MaliciousCapabilityMoreRegex();

    [GeneratedRegex(@"\bchmod\s+-R\s+0?[0-7]{3}\s+~|\b(curl|wget)\b[^\n|]{0,200}\|\s*(sudo\s+)?(ba|z|da)?sh\b|\brm\s+-(rf|fr)\s+(~|/|\*|\$HOME)|<\s*script\b|:\(\)\s*\{\s*:\|:&\s*\};:|\bpowershell(\.exe)?\b[^\n]{0,60}\s-(enc|encodedcommand|e)\s|\bnc(at)?\s+(-\w+\s+)*-e\s|\bbase64\s+(-d|--decode)\b[^\n|]{0,40}\|\s*(ba)?sh\b|\bcommands?\s+must\s+(include|start\s+with|be\s+prefixed\s+with)\s+the\s+prefix\b", Options, TimeoutMs)]
    private static partial Regex EmbeddedCommandRegex();

    // A property description that asks the model to fill it with the conversation, its instructions or secrets.
    [GeneratedRegex(@"\b(entire|full|complete|whole|previous|prior|all(\s+the)?|every)\s+(conversation|chat|dialog(ue)?|message\s+history|messages|chat\s+history|transcript|context\s+window|user\s+messages)\b|\bconversation\s+(history|so\s+far|log|transcript)\b|\b(system\s+prompt|your\s+instructions|hidden\s+instructions|previous\s+instructions)\b|\b(include|paste|provide|add|put|insert|fill|append|list)\s+(in\s+|here\s+)?((any|all|the|user'?s?|your|available)\s+)+(api\s+keys?|passwords?|credentials|secrets|tokens|environment\s+variables|env\s+vars|private\s+keys?|ssh\s+keys?)\b|\bcontents?\s+of\s+[^\n]{0,40}(~/|\.ssh|id_rsa|mcp\.json|\.env\b|credentials)", Options, TimeoutMs)]
    private static partial Regex ExfiltrationContentRegex();

    // ESC-introduced sequences and the 8-bit CSI; classified by the caller. Backtracking at any length: every match
    // starts at an ESC/CSI and each loop stops at the next one, so the work stays linear.
    [GeneratedRegex("\u001B\\[[0-?]*[ -/]*[@-~]|\u001B\\][^\u0007\u001B]*(\u0007|\u001B\\\\)?|\u001B[@-Z\\\\-_]|\u009B[0-?]*[ -/]*[@-~]", RegexOptions.CultureInvariant, TimeoutMs)]
    public static partial Regex AnsiEscape();
}

/// <summary>A phrase pattern plus trigger words; <see cref="Match(string)"/> runs the regex only when a trigger is present.</summary>
internal sealed class Phrase(Regex regex, string[]? triggers)
{
    private readonly SearchValues<string>? _triggers = triggers is null ? null : SearchValues.Create(triggers, StringComparison.OrdinalIgnoreCase);

    /// <summary>The trigger words (null: the regex always runs).</summary>
    public IReadOnlyList<string>? Triggers => triggers;

    public SizeGuardedRegex Regex { get; } = new(regex);

    public Match Match(string text) => MayMatch(text) ? Regex.For(text).Match(text) : System.Text.RegularExpressions.Match.Empty;

    public bool IsMatch(string text) => MayMatch(text) && Regex.For(text).IsMatch(text);

    public IEnumerable<Match> Matches(string text) => MayMatch(text) ? Regex.For(text).Matches(text) : [];

    /// <summary>
    /// The first match in <paramref name="text"/> without materialising a string (a tool result can be megabytes in a
    /// pooled buffer): the same match <see cref="Match(string)"/> finds, as a position.
    /// </summary>
    public bool TryFind(ReadOnlySpan<char> text, out int index, out int length)
    {
        if (MayMatch(text))
        {
            foreach (var m in Regex.For(text.Length).EnumerateMatches(text))
            {
                (index, length) = (m.Index, m.Length);
                return true;
            }
        }

        (index, length) = (-1, 0);
        return false;
    }

    /// <summary>Every match in <paramref name="text"/> as positions (what <see cref="Matches(string)"/> finds).</summary>
    public System.Text.RegularExpressions.Regex.ValueMatchEnumerator EnumerateMatches(ReadOnlySpan<char> text) =>
        MayMatch(text) ? Regex.For(text.Length).EnumerateMatches(text) : Regex.Backtracking.EnumerateMatches(ReadOnlySpan<char>.Empty);

    private bool MayMatch(ReadOnlySpan<char> text) => _triggers is null || text.IndexOfAny(_triggers) >= 0;
}

/// <summary>
/// The union of several phrases' triggers, searched case-insensitively in at most two vectorised passes: one for the
/// single-character triggers, one for the words (a set mixing both lengths would fall back to a slower search).
/// </summary>
internal sealed class TriggerSet
{
    private readonly SearchValues<char> _chars;
    private readonly SearchValues<string> _words;

    public TriggerSet(IEnumerable<Phrase> phrases)
    {
        var all = phrases.SelectMany(p => p.Triggers ?? throw new ArgumentException("a phrase without triggers always runs; it cannot be in a trigger set"))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();

        // Only non-letters are single characters here ("<", "[", "@"): no case variants to add.
        _chars = SearchValues.Create([.. all.Where(t => t.Length == 1).Select(t => t[0])]);
        _words = SearchValues.Create([.. all.Where(t => t.Length > 1)], StringComparison.OrdinalIgnoreCase);
        if (all.Any(t => t.Length == 1 && char.IsLetter(t[0])))
        {
            throw new ArgumentException("single-letter triggers are matched case-sensitively here; use a word");
        }
    }

    /// <summary>False only when <paramref name="text"/> holds none of the triggers (then none of the phrases can match).</summary>
    public bool MayMatch(ReadOnlySpan<char> text) => text.IndexOfAny(_chars) >= 0 || text.IndexOfAny(_words) >= 0;
}
