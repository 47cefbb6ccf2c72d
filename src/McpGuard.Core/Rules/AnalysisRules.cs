using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>MCPG2xx: static analysis of one npm package (archive safety, JavaScript rules, manifest rules).</summary>
public static class AnalysisRules
{
    public static readonly RuleDescriptor ArchiveEntryRejected = new(
        "MCPG200", "archive-entry-rejected", "Package archive has a dangerous entry",
        Severity.High,
        "The package tarball contains an entry that escapes its folder (.., an absolute path), a link or a device; a normal npm pack never produces one.",
        "Do not install this tarball; it was built by hand, possibly to overwrite files outside the package folder.");

    public static readonly RuleDescriptor ArchiveLimitExceeded = new(
        "MCPG201", "archive-limit-exceeded", "Package is larger than the analysis limits",
        Severity.Medium,
        "The package has more files, or bigger files, than McpGuard analyses; the rest was not checked.",
        "Review the skipped files by hand, or raise the limits if the package is known to be this large.");

    public static readonly RuleDescriptor ParseFailed = new(
        "MCPG202", "js-parse-failed", "JavaScript file could not be analysed",
        Severity.Low,
        "A JavaScript file could not be parsed (syntax error, too deep, too large), so its behaviour was not checked. Heavily obfuscated code often fails to parse.",
        "Review the file by hand before trusting the package.");

    public static readonly RuleDescriptor MailRecipientLiteral = new(
        "MCPG210", "mail-recipient-literal", "Email is always copied to a fixed address",
        Severity.Critical,
        "Code that sends email puts a hard-coded address into a recipient field (To, Cc, Bcc, Reply-To). Every message the tool sends also goes to that address — this is exactly what postmark-mcp 1.0.16 did.",
        "Do not run this version. Recipients must come from the tool call's arguments; remove the package and report it to the registry.");

    public static readonly RuleDescriptor SuspiciousEgress = new(
        "MCPG211", "suspicious-egress-literal", "Code contains an address of an exfiltration-style service",
        Severity.High,
        "A constant URL, host, IP address or email address points to a paste site, tunnel, webhook collector, messenger bot API, a raw public IP or a top-level domain mostly used for abuse.",
        "Check why the package talks to this address; if it has no business reason, do not run the package.");

    public static readonly RuleDescriptor SensitiveDataToNetwork = new(
        "MCPG212", "sensitive-data-to-network", "Secrets are read next to a network call",
        Severity.High,
        "The same function reads credentials (the whole environment, credential variables, SSH keys, .npmrc, cloud credentials or MCP client configs holding other servers' tokens) and calls the network.",
        "Confirm the secret only goes to the service it belongs to; otherwise treat the package as a credential stealer.");

    public static readonly RuleDescriptor InstallScript = new(
        "MCPG213", "install-script", "Package runs a script when installed",
        Severity.Medium,
        "package.json has a preinstall, install or postinstall script, which runs with the user's rights during npm install, before anyone reviews the code.",
        "Install with --ignore-scripts, and read the script; preinstall scripts that run shell or node commands are a common malware entry point.");

    public static readonly RuleDescriptor SilentProcess = new(
        "MCPG214", "silent-child-process", "Code starts hidden or detached processes",
        Severity.Medium,
        "child_process is used to start a process that is detached or has its output ignored, so it keeps running unseen after the package's own work ends.",
        "Find out what command runs and why it must be hidden; MCP servers rarely need to.");

    public static readonly RuleDescriptor EvalDecoded = new(
        "MCPG215", "eval-decoded-data", "Decoded data is executed as code",
        Severity.High,
        "eval, Function or vm runs code that was decoded at run time (base64, char codes), a way to hide what the package really does from reviewers.",
        "Decode the payload offline and review it; do not run the package until you know what it executes.");

    public static readonly RuleDescriptor Obfuscation = new(
        "MCPG216", "obfuscated-code", "Code looks deliberately obfuscated",
        Severity.Medium,
        "The file has obfuscator patterns (_0x names, JSFuck runs, huge char-code lists, packed eval, code pushed off-screen by whitespace).",
        "Obfuscation in an open-source tool hides intent; ask for the original source or do not use the package.");

    public static readonly RuleDescriptor BundledBinary = new(
        "MCPG217", "bundled-binary", "Package ships a native executable",
        Severity.Medium,
        "A file in the package starts with the magic bytes of a Windows (MZ), Linux (ELF) or macOS (Mach-O) executable, which static analysis cannot read.",
        "Check the binary's SHA-256 against the project's official release; prefer packages that build or download verified binaries.");

    public static readonly RuleDescriptor UrlDependency = new(
        "MCPG218", "url-dependency", "Dependency comes from a URL or git",
        Severity.Medium,
        "A dependency is fetched from an http(s) URL, git, or a GitHub shorthand instead of the registry, so its content is not pinned by the registry's integrity hash.",
        "Replace it with a registry dependency at an exact version.");

    public static readonly RuleDescriptor EnvironmentSerialised = new(
        "MCPG219", "environment-serialised", "Whole environment is serialised",
        Severity.High,
        "The code turns the entire process.env into a string (JSON.stringify, Object.entries...), which gathers every secret the MCP client passed to the server.",
        "A server needs only its own variables; treat whole-environment collection as credential theft unless proven otherwise.");

    public static readonly RuleDescriptor SensitiveFileRead = new(
        "MCPG220", "sensitive-file-path", "Code refers to credential files",
        Severity.Medium,
        "The code names a file that holds credentials: SSH keys, .npmrc, cloud credentials, browser or Discord token stores, or MCP client configs holding other servers' tokens.",
        "Check that the package has a reason to touch this file; credential stealers start here.");

    public static readonly RuleDescriptor TokenPattern = new(
        "MCPG221", "token-harvest-pattern", "Code searches for chat or session tokens",
        Severity.Medium,
        "A regular expression has the exact shape of a Discord user token (24.6.27 characters, or mfa.), which token stealers use to pick tokens out of browser and app storage.",
        "A tool has no reason to look for other apps' session tokens; treat the package as a stealer unless it is a security scanner.");

    public static readonly RuleDescriptor FilesNotAnalysed = new(
        "MCPG222", "files-not-analysed", "Some files of the package were not analysed",
        Severity.Low,
        "The package holds code McpGuard did not check: TypeScript or JSX sources, JavaScript too large or unparsable, native or WebAssembly binaries, shell/Python scripts, or files over the archive limits. Behaviour in those files (and, in a diff, changes to them) is not in the report.",
        "Review the listed files by hand, or analyse the package's compiled JavaScript; for TypeScript-only packages, build them and analyse the output folder.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
    [
        ArchiveEntryRejected, ArchiveLimitExceeded, ParseFailed, MailRecipientLiteral, SuspiciousEgress,
        SensitiveDataToNetwork, InstallScript, SilentProcess, EvalDecoded, Obfuscation, BundledBinary, UrlDependency,
        EnvironmentSerialised, SensitiveFileRead, TokenPattern, FilesNotAnalysed,
    ];
}
