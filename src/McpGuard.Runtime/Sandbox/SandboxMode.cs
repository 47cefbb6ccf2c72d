using McpGuard.Core;

namespace McpGuard.Runtime.Sandbox;

/// <summary>How `mcpguard run --sandbox` confines the server.</summary>
public enum SandboxMode
{
    /// <summary>Bubblewrap when the probe says it works; otherwise refuse to start (never silently unconfined).</summary>
    Auto,

    /// <summary>Bubblewrap, required.</summary>
    Bubblewrap,

    /// <summary>Unconfined, with a loud warning. The only way to run without a sandbox.</summary>
    None,
}

public static class SandboxModes
{
    public const string OptionName = "--sandbox";

    /// <summary>Parses `auto`, `bwrap` (or `bubblewrap`) and `none`, case-insensitively.</summary>
    /// <exception cref="UserInputException">Any other value, naming the option.</exception>
    public static SandboxMode Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => SandboxMode.Auto,
        "bwrap" or "bubblewrap" => SandboxMode.Bubblewrap,
        "none" => SandboxMode.None,
        _ => throw new UserInputException($"{OptionName}: unknown mode '{value}'; use auto, bwrap or none."),
    };

    public static string Format(SandboxMode mode) => mode switch
    {
        SandboxMode.Bubblewrap => "bwrap",
        SandboxMode.None => "none",
        _ => "auto",
    };
}
