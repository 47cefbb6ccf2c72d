namespace McpGuard.Verify.Resolution;

/// <summary><c>docker run</c> / <c>podman run</c>: the image, pinned only by an <c>@sha256:</c> digest.</summary>
internal static class DockerLaunch
{
    private static readonly HashSet<string> s_valueOptions = new(StringComparer.Ordinal)
    {
        "-e", "--env", "--env-file", "-v", "--volume", "--name", "-p", "--publish", "--network", "--net", "-w", "--workdir",
        "-u", "--user", "--entrypoint", "--mount", "-l", "--label", "--platform", "--cpus", "-m", "--memory", "--add-host",
        "--cap-add", "--cap-drop", "--device", "--dns", "-h", "--hostname", "--pull", "--restart", "--runtime",
        "--security-opt", "--tmpfs", "--ulimit", "--log-driver", "--log-opt", "--ipc", "--pid", "--shm-size",
        "--stop-signal", "--gpus", "--group-add", "--cidfile", "--label-file", "--expose", "--link", "--userns",
        "--uts", "--cgroupns", "--memory-swap", "--health-cmd", "--init-path", "--volumes-from", "--mac-address",
        "--ip", "--ip6", "--stop-timeout", "--attach", "-a",
    };

    public static int RunnerStart(string baseName, IReadOnlyList<string> args) =>
        baseName is "docker" or "podman" or "nerdctl"
            ? args.Count > 0 && args[0] == "run" ? 1
            : args.Count > 1 && args[0] == "container" && args[1] == "run" ? 2 : -1
            : -1;

    public static ResolvedPackage? Parse(IReadOnlyList<string> args, int start)
    {
        var (_, first) = CommandLine.Scan(args, start, s_valueOptions);
        return first < 0 ? null : ParseImage(args[first]);
    }

    /// <summary>"ghcr.io/o/img:1.2@sha256:..." → name ghcr.io/o/img; a registry port (localhost:5000/x) is not a tag.</summary>
    public static ResolvedPackage ParseImage(string image)
    {
        string? digest = null;
        var at = image.IndexOf('@');
        var rest = image;
        if (at > 0)
        {
            digest = image[(at + 1)..];
            rest = image[..at];
        }

        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.IndexOf(':', lastSlash + 1);
        if (colon > 0)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        var pinned = digest is not null && digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length == 71;
        return new ResolvedPackage
        {
            Ecosystem = "docker",
            Name = rest,
            Requested = pinned ? digest : tag ?? "latest",
            Pinned = pinned,
        };
    }
}
