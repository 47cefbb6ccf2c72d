using System.Globalization;
using McpGuard.Runtime.Processes;

namespace McpGuard.Runtime.Sandbox;

/// <summary>Host tools the sandbox uses, resolved once by the launcher.</summary>
internal sealed record SandboxHostTools(string Bwrap, string Shell, string Sleep, string? Socat, string? Node);

/// <summary>
/// The bwrap executable, its argument vector (no shell on the host side) and the complete environment it runs with.
/// The environment travels in the process environment, not as --setenv arguments, because argv is world-readable in
/// /proc/PID/cmdline and --pass-env values can be secrets; bwrap hands exactly this environment to the server.
/// </summary>
internal sealed record BubblewrapCommand(string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Start info with redirected stdio, ArgumentList (no shell) and exactly <see cref="Environment"/>.</summary>
    public System.Diagnostics.ProcessStartInfo ToStartInfo()
    {
        var start = new System.Diagnostics.ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var arg in Arguments)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing of McpGuard's own environment reaches bwrap or the server: only what the command lists.
        start.Environment.Clear();
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }
}

/// <summary>
/// Turns a <see cref="ServerLaunchSpec"/> into a bwrap command line. Pure (reads only the file system to tell
/// symlinks from folders), so the recipe is unit-testable and the probe can smoke-test the very same recipe.
/// </summary>
internal sealed class BubblewrapCommandBuilder(BubblewrapOptions options, SandboxHostTools tools, SandboxAssetPaths assets)
{
    public BubblewrapCommand Build(ServerLaunchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var roPaths = spec.ReadOnlyPaths.Select(NormalizeMountPath).ToList();
        var rwPaths = spec.ReadWritePaths.Select(NormalizeMountPath).ToList();
        var executable = ResolveExecutable(spec, roPaths);
        var egress = spec.EgressSocketPath is null ? null : NormalizeMountPath(spec.EgressSocketPath);
        // A Node server with the preload waits for the relay itself (see RelayCommand), so both start in parallel.
        var preloadWaits = egress is not null && options.NodeProxyPreload && IsNodeProgram(executable.Path);
        var relay = egress is null ? null : RelayCommand(preloadWaits);

        var args = new List<string>
        {
            // --unshare-all covers ipc, pid, net, uts and cgroup (try); user is only "-try" there, so require it.
            "--unshare-all", "--unshare-user",
            "--die-with-parent", "--new-session",
            "--cap-drop", "ALL",
            "--hostname", "mcpguard-sandbox",
        };

        foreach (var root in SandboxPaths.SystemRoots)
        {
            var info = new FileInfo(root);
            if (info.LinkTarget is { } target)
            {
                args.AddRange(["--symlink", target, root]);
            }
            else if (Directory.Exists(root))
            {
                args.AddRange(["--ro-bind", root, root]);
            }
        }

        foreach (var etc in SandboxPaths.EtcFiles)
        {
            args.AddRange(["--ro-bind-try", etc, etc]);
        }

        args.AddRange(["--ro-bind", assets.Passwd, "/etc/passwd"]);
        args.AddRange(["--ro-bind", assets.Group, "/etc/group"]);
        args.AddRange(["--ro-bind", assets.Hosts, "/etc/hosts"]);
        args.AddRange(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", SandboxPaths.Home]);
        args.AddRange(["--tmpfs", SandboxPaths.RunDirectory]);

        if (executable.MountPrefix is { } prefix)
        {
            args.AddRange(["--ro-bind", prefix, prefix]);
        }

        foreach (var path in roPaths)
        {
            args.AddRange(["--ro-bind", path, path]);
        }

        foreach (var path in rwPaths)
        {
            args.AddRange(["--bind", path, path]);
        }

        // After the user's mounts, so a --ro/--rw that contains McpGuard's data dir still cannot reveal the CA key.
        var protectedPaths = options.ProtectedPaths
            .Select(p => System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(p)))
            .Where(p => File.Exists(p) || Directory.Exists(p));
        foreach (var masked in protectedPaths)
        {
            // Fail closed: a mount inside a protected folder (the data dir with the CA key) is refused, not masked.
            if (roPaths.Concat(rwPaths).FirstOrDefault(p => SandboxPaths.IsSameOrUnder(p, masked) && p != masked) is { } inside)
            {
                throw new SandboxLaunchException($"sandbox path '{inside}' is inside McpGuard's protected folder '{masked}'");
            }

            if (!roPaths.Concat(rwPaths).Any(p => SandboxPaths.IsSameOrUnder(masked, p)))
            {
                continue;
            }

            if (Directory.Exists(masked))
            {
                args.AddRange(["--tmpfs", masked, "--remount-ro", masked]);
            }
            else if (File.Exists(masked))
            {
                args.AddRange(["--ro-bind", "/dev/null", masked]);
            }
        }

        if (egress is not null)
        {
            args.AddRange(["--bind", egress, SandboxPaths.EgressSocket]);
            if (relay!.UsesNodeScript)
            {
                args.AddRange(["--ro-bind", assets.NodeRelay, SandboxPaths.NodeRelay]);
            }
        }

        string? nodeExtraCa = null;
        if (spec.TrustBundlePath is { } bundle)
        {
            var bundlePath = NormalizeMountPath(bundle);
            args.AddRange(["--ro-bind", bundlePath, SandboxPaths.TrustBundle]);
            if (OperatingSystem.IsLinux() && NodeTrustBundle.ExtraCertificatesFile(bundlePath, assets.Directory) is { } extra)
            {
                args.AddRange(["--ro-bind", extra, SandboxPaths.NodeExtraCaCerts]);
                nodeExtraCa = SandboxPaths.NodeExtraCaCerts;
            }
        }

        var preload = options.NodeProxyPreload;
        if (preload)
        {
            args.AddRange(["--ro-bind", assets.NodePreload, SandboxPaths.NodePreload]);
        }

        // bwrap builds the root on a writable tmpfs; make it (and our run folder) read-only so the only writable
        // places are /tmp, the empty home and the --rw folders.
        args.AddRange(["--remount-ro", SandboxPaths.RunDirectory, "--remount-ro", "/"]);

        args.AddRange(["--chdir", WorkingDirectory(spec, roPaths, rwPaths)]);
        args.Add("--");
        if (relay is not null)
        {
            args.AddRange([tools.Shell, "-c", relay.Script, "mcpguard-relay"]);
        }

        args.Add(executable.Path);
        args.AddRange(spec.Arguments);
        var env = Environment(spec, egress is not null, preload, nodeExtraCa);
        if (preloadWaits)
        {
            env["MCPGUARD_RELAY_WAIT"] = string.Create(
                CultureInfo.InvariantCulture, $"{options.RelayPort} {(long)options.RelayStartTimeout.TotalMilliseconds}");
        }
        else
        {
            env.Remove("MCPGUARD_RELAY_WAIT");
        }

        return new BubblewrapCommand(tools.Bwrap, args, env);
    }

    /// <summary>
    /// True for the node binary itself and for scripts whose #! line runs node (npx, npm exec, package bins): those
    /// load the preload from NODE_OPTIONS. Anything else (python, a shell script) cannot wait for the relay itself.
    /// </summary>
    internal static bool IsNodeProgram(string path)
    {
        var real = ExecutableLocator.RealPath(path);
        var name = System.IO.Path.GetFileName(real);
        if (name is "node" or "nodejs")
        {
            return true;
        }

        try
        {
            using var stream = new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            Span<byte> head = stackalloc byte[128];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var text = System.Text.Encoding.ASCII.GetString(head[..read]);
            var line = text.Split('\n')[0];
            // "#!/usr/bin/env node", "#!/usr/bin/node --flags"; not "#!/bin/sh" (which might start anything).
            return line.StartsWith("#!", StringComparison.Ordinal)
                && line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var interpreter, .. var rest]
                && (System.IO.Path.GetFileName(interpreter) is "node" or "nodejs"
                    || (System.IO.Path.GetFileName(interpreter) == "env" && rest.Length > 0 && rest[0] is "node" or "nodejs"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: let the wrapper shell wait for the relay (the safe, slower path).
            return false;
        }
    }

    private SortedDictionary<string, string> Environment(ServerLaunchSpec spec, bool egress, bool preload, string? nodeExtraCa)
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in spec.Environment)
        {
            env[name] = value;
        }

        env.TryAdd("PATH", "/usr/local/bin:/usr/bin:/bin");
        env["HOME"] = SandboxPaths.Home;
        env["TMPDIR"] = "/tmp";
        env["MCPGUARD_SANDBOX"] = "1";
        foreach (var name in ProxyEnvironment.ProxyVariables.Concat(ProxyEnvironment.TrustVariables))
        {
            // The launcher owns these: a caller's proxy or trust setting would bypass or weaken inspection.
            env.Remove(name);
        }

        if (egress)
        {
            var proxyUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{options.RelayPort}");
            foreach (var (name, value) in ProxyEnvironment.Build(proxyUrl, spec.TrustBundlePath is null ? null : SandboxPaths.TrustBundle))
            {
                env[name] = value;
            }

            if (preload && spec.TrustBundlePath is not null)
            {
                // The preload adds the CA on the first TLS connection; NODE_EXTRA_CA_CERTS would cost every start.
                env.Remove("NODE_EXTRA_CA_CERTS");
                env["MCPGUARD_NODE_EXTRA_CA"] = nodeExtraCa ?? SandboxPaths.TrustBundle;
            }
            else if (nodeExtraCa is not null)
            {
                env["NODE_EXTRA_CA_CERTS"] = nodeExtraCa;
            }
        }

        if (preload)
        {
            env["NODE_OPTIONS"] = ProxyEnvironment.NodeOptionsWithPreload(SandboxPaths.NodePreload, env.GetValueOrDefault("NODE_OPTIONS"));
        }

        return env;
    }

    private sealed record RelayPlan(string Script, bool UsesNodeScript);

    private RelayPlan RelayCommand(bool preloadWaits)
    {
        var port = options.RelayPort.ToString(CultureInfo.InvariantCulture);
        string start;
        bool usesNode;
        if (tools.Socat is { } socat)
        {
            start = $"{socat} TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:{SandboxPaths.EgressSocket}";
            usesNode = false;
        }
        else if (tools.Node is { } node)
        {
            // The relay is our own script: it needs neither the preload nor to wait for itself.
            start = $"NODE_OPTIONS= MCPGUARD_RELAY_WAIT= {node} {SandboxPaths.NodeRelay} {port} {SandboxPaths.EgressSocket}";
            usesNode = true;
        }
        else
        {
            // Fail closed: without a relay the server would have no egress path we can inspect.
            throw new SandboxUnavailableException(
                "neither socat nor node is available to run the egress relay inside the sandbox",
                "install socat (apt-get install socat)");
        }

        // The relay's stdout goes to /dev/null: the server's stdout is the MCP channel and must carry nothing else.
        if (preloadWaits)
        {
            // Parallel start: the server execs at once and its preload blocks (before any user code) until the relay
            // listens, or exits 125 when the relay (its child now, hence the pid) dies or the timeout passes.
            var parallel = $$"""
                {{start}} </dev/null >/dev/null &
                export MCPGUARD_RELAY_PID=$!
                exec "$@"
                """;
            return new RelayPlan(parallel, usesNode);
        }

        // /proc/net/tcp lists this namespace's sockets: local 127.0.0.1:PORT, remote 0, state 0A = LISTEN.
        var listenLine = "0100007F:" + options.RelayPort.ToString("X4", CultureInfo.InvariantCulture) + " 00000000:0000 0A";
        var attempts = Math.Max(1, (int)(options.RelayStartTimeout.TotalMilliseconds / 5)).ToString(CultureInfo.InvariantCulture);
        // Polling starts with up to 200 builtin-only checks (no process start; socat usually binds within them), then
        // falls back to 5 ms sleeps.
        var script = $$"""
            {{start}} </dev/null >/dev/null &
            relay=$!
            listening() { while read -r _ local remote state _; do [ "$local $remote $state" = "{{listenLine}}" ] && return 0; done </proc/net/tcp; return 1; }
            n=0
            spin=0
            until listening; do
              if ! kill -0 "$relay" 2>/dev/null || [ "$n" -ge {{attempts}} ]; then
                echo '{{SandboxPaths.StderrMarker}} the egress relay did not start; refusing to run the server without it (fail closed)' >&2
                exit 125
              fi
              if [ "$spin" -lt 200 ]; then spin=$((spin+1)); continue; fi
              n=$((n+1))
              {{tools.Sleep}} 0.005
            done
            exec "$@"
            """;
        return new RelayPlan(script, usesNode);
    }

    private sealed record ResolvedExecutable(string Path, string? MountPrefix);

    /// <summary>
    /// The server's executable as an absolute path that exists inside the sandbox. Outside the system folders (for
    /// example ~/.nvm/versions/node/v20/bin/node) its install prefix is mounted read-only too.
    /// </summary>
    private static ResolvedExecutable ResolveExecutable(ServerLaunchSpec spec, List<string> roPaths)
    {
        var found = ExecutableLocator.Find(spec.Command, spec.Environment.GetValueOrDefault("PATH"))
            ?? ExecutableLocator.Find(spec.Command)
            ?? throw new SandboxLaunchException($"the server command '{spec.Command}' was not found on PATH");
        if (IsVisible(found, roPaths))
        {
            return new ResolvedExecutable(found, null);
        }

        var real = ExecutableLocator.RealPath(found);
        if (IsVisible(real, roPaths))
        {
            return new ResolvedExecutable(real, null);
        }

        var dir = System.IO.Path.GetDirectoryName(real)!;
        var prefix = System.IO.Path.GetFileName(dir) == "bin" ? System.IO.Path.GetDirectoryName(dir)! : dir;
        return new ResolvedExecutable(real, prefix);
    }

    private static bool IsVisible(string path, List<string> roPaths) =>
        SandboxPaths.SystemRoots.Any(r => SandboxPaths.IsSameOrUnder(path, r))
        || roPaths.Any(r => SandboxPaths.IsSameOrUnder(path, r));

    /// <summary>The requested folder if it is mounted; otherwise the empty home (the caller's cwd is not visible).</summary>
    private static string WorkingDirectory(ServerLaunchSpec spec, List<string> roPaths, List<string> rwPaths)
    {
        if (spec.WorkingDirectory is { } wd)
        {
            var full = NormalizeMountPath(wd);
            if (roPaths.Concat(rwPaths).Any(p => SandboxPaths.IsSameOrUnder(full, p)))
            {
                return full;
            }
        }

        return SandboxPaths.Home;
    }

    private static string NormalizeMountPath(string path)
    {
        if (!System.IO.Path.IsPathFullyQualified(path))
        {
            throw new SandboxLaunchException($"sandbox path '{path}' must be absolute");
        }

        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new SandboxLaunchException($"sandbox path '{full}' does not exist");
        }

        return full;
    }
}
