using McpGuard.Core.Reports;
using McpGuard.Verify.Diff;

namespace McpGuard.Verify.Updates;

/// <summary>
/// One version newer than the locked one: its integrity as published and its diff verdict against the locked
/// version, or the reason it could not be reviewed (integrity mismatch, broken tarball...).
/// </summary>
public sealed record PendingVersion(string Version, string? Integrity, DiffResult? Diff, string? Error)
{
    /// <summary>block, review, ok, or error (could not be obtained or verified: never approvable).</summary>
    public string Decision => Error is not null ? "error" : Diff!.Verdict.Decision;

    public Verdict? Verdict => Diff?.Verdict;
}

/// <summary>The locked version of a package and every newer release the registry offers, oldest first.</summary>
public sealed record UpdateReview(string Package, string LockedVersion, IReadOnlyList<PendingVersion> Pending)
{
    /// <summary>Newer releases left out because of <see cref="UpdateLimits.MaxPendingVersions"/> (the oldest ones).</summary>
    public int Skipped { get; init; }

    /// <summary>The newest version that is neither blocked nor unverifiable, or null.</summary>
    public PendingVersion? NewestApprovable => Pending.LastOrDefault(p => p.Decision is "ok" or "review");
}

/// <summary>Bounds for one review.</summary>
public sealed record UpdateLimits
{
    /// <summary>25: each version is downloaded and analysed; a package that shipped hundreds since the lock is reviewed newest first.</summary>
    public int MaxPendingVersions { get; init; } = 25;

    public static UpdateLimits Default { get; } = new();
}
