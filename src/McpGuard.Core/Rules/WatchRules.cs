using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>
/// MCPG800–829: what `mcpguard watch` notices about a new version besides its code (who published it, how, how
/// fast, how recently), and what went wrong while checking it. MCPG830–849 belong to `mcpguard update`/`pin`.
/// </summary>
public static class WatchRules
{
    public static readonly RuleDescriptor PublisherChanged = new(
        "MCPG800", "watch-publisher-changed", "New version was published by a different account",
        Severity.High,
        "The npm account that published the new version (_npmUser) is not the one that published the approved version; a stolen or handed-over account is how most package takeovers start.",
        "Check that the new publisher really belongs to the project (release notes, repository) before approving.");

    public static readonly RuleDescriptor MaintainersChanged = new(
        "MCPG801", "watch-maintainers-changed", "Package maintainers changed",
        Severity.Medium,
        "The new version lists a maintainer the approved version did not have.",
        "Check who the new maintainer is and why they were added before approving.");

    public static readonly RuleDescriptor ProvenanceLost = new(
        "MCPG802", "watch-provenance-lost", "New version lost its build provenance",
        Severity.High,
        "The approved version was published with a provenance attestation (built by a known CI pipeline) and the new one was not; it may have been published from someone's laptop with a stolen token.",
        "Ask the maintainers why the release was published without provenance; do not approve until it is explained.");

    public static readonly RuleDescriptor VersionBurst = new(
        "MCPG803", "watch-version-burst", "Many versions published in a short time",
        Severity.Medium,
        "Several versions were published within 24 hours; attackers who take over a package often publish in bursts.",
        "Wait for the releases to settle and review the last one; read what each release changed.");

    public static readonly RuleDescriptor Cooldown = new(
        "MCPG804", "watch-cooldown", "New version is younger than the cooldown",
        Severity.Medium,
        "The version was published less than the cooldown (default 7 days) ago; most malicious versions are found and removed within days.",
        "Wait until the cooldown has passed, then review again (or shorten --cooldown if you accept the risk).");

    public static readonly RuleDescriptor RegistryUnreachable = new(
        "MCPG810", "watch-registry-unreachable", "Registry could not be reached",
        Severity.Medium,
        "The registry did not answer (network error, timeout, or repeated 429/5xx after polite retries), so new versions were not checked this time.",
        "Nothing to do if it recovers; otherwise check --registry and the network. Watch keeps polling.");

    public static readonly RuleDescriptor RegistryMalformed = new(
        "MCPG811", "watch-registry-malformed", "Registry returned something that is not a valid package document",
        Severity.High,
        "The registry's answer for the package (or its tarball) could not be read as npm metadata; it was refused rather than half-trusted.",
        "Check --registry points at a real npm registry; a mirror that serves garbage may be broken or tampered with.");

    public static readonly RuleDescriptor IntegrityMismatch = new(
        "MCPG812", "watch-integrity-mismatch", "Tarball does not match its published integrity",
        Severity.Critical,
        "The downloaded tarball's sha512 is not the one the registry published (or not the one in your lock), so someone changed the bytes in transit or on the mirror.",
        "Do not install this version; check the registry or mirror, and report it.");

    public static readonly RuleDescriptor PackageMissing = new(
        "MCPG813", "watch-package-missing", "Package was removed from the registry",
        Severity.High,
        "The registry answers 404 for a package a server runs; it was unpublished or taken down (often because it was malicious).",
        "Find out why it was removed (advisories, the project's page) and stop running the server until you know.");

    public static readonly RuleDescriptor NoBaseline = new(
        "MCPG814", "watch-no-baseline", "No approved version to compare with",
        Severity.Low,
        "The server is configured but neither locked, pinned to a version, nor installed, so new versions cannot be diffed against anything.",
        "Lock the server (mcpguard lock, or mcpguard pin) so that updates can be reviewed against the approved version.");

    public static readonly RuleDescriptor BaselineMissing = new(
        "MCPG815", "watch-baseline-missing", "Approved version is no longer on the registry",
        Severity.High,
        "The version you approved is no longer listed by the registry (unpublished or deprecated away), so new versions cannot be diffed against it.",
        "Find out why the version was removed; review the current version by hand before approving it.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
    [
        PublisherChanged, MaintainersChanged, ProvenanceLost, VersionBurst, Cooldown,
        RegistryUnreachable, RegistryMalformed, IntegrityMismatch, PackageMissing, NoBaseline, BaselineMissing,
    ];
}
