namespace McpGuard.Demo;

/// <summary>What <see cref="DemoScenario"/> needs from its host (the CLI): how to start McpGuard itself, and where to work.</summary>
public sealed record DemoOptions
{
    /// <summary>
    /// The command that runs this McpGuard (e.g. <c>["/usr/bin/dotnet", "/path/mcpguard.dll"]</c> or
    /// <c>["/path/mcpguard"]</c>); the demo appends <c>run ...</c>, so the guarded runs are the real product.
    /// </summary>
    public required IReadOnlyList<string> GuardCommand { get; init; }

    /// <summary>Private temporary folder for the demo home, audit log, CA and data folder of the guarded runs.</summary>
    public required string WorkFolder { get; init; }

    /// <summary>The install folder of the email servers (from <see cref="DemoNodePackage.EnsureInstalledAsync"/>).</summary>
    public required string ServerPackage { get; init; }

    /// <summary><c>bwrap</c> (bubblewrap sandbox) or <c>none</c> (proxy-environment mode, weaker).</summary>
    public string Sandbox { get; init; } = "bwrap";

    /// <summary>60 s per tool call: a warm call takes well under a second; this only bounds a wedged server.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>One step of the demo: whether it behaved as expected, and why not.</summary>
public sealed record DemoStep(string Name, bool Passed, string Summary);
