using System.CommandLine;
using System.Net;
using McpGuard.Audit;
using McpGuard.Core;
using McpGuard.Core.Secrets;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Egress;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;

namespace McpGuard.Cli.Commands;

/// <summary>
/// `run`'s egress options and the per-server egress proxy they configure. A sandboxed server has no network but the
/// relay to this proxy, so every outbound request is judged against the hosts allowed here and the tool calls in
/// flight; credentials named with --egress-secret never enter the sandbox.
/// </summary>
internal sealed class EgressOptions
{
    public Option<string[]> AllowHost { get; } = new("--allow-host")
    {
        Description = "Let the server reach this host (exact, or *.example.com for subdomains; repeatable). Everything else is denied.",
    };

    public Option<string[]> Resolve { get; } = new("--egress-resolve")
    {
        Description = "Connect to IP:PORT for HOST, like curl --resolve (HOST=IP:PORT; repeatable). For tests and air-gapped use.",
    };

    public Option<string[]> TrustCa { get; } = new("--egress-trust-ca")
    {
        Description = "An extra root certificate (PEM file) trusted for upstream TLS (repeatable).",
    };

    public Option<string[]> Secret { get; } = new("--egress-secret")
    {
        Description = "NAME@HOST:HEADER: the server gets a placeholder in env var NAME; the egress proxy puts McpGuard's own value of NAME into HEADER only on HOST (repeatable).",
    };

    public Option<string[]> KnownAddress { get; } = new("--egress-known-address")
    {
        Description = "An email address the server may send in request bodies without a tool call naming it (for example a fixed Reply-To; repeatable). Mail recipients are still checked against the calls.",
    };

    public EgressOptions AddTo(Command command)
    {
        command.Add(AllowHost);
        command.Add(Resolve);
        command.Add(TrustCa);
        command.Add(Secret);
        command.Add(KnownAddress);
        return this;
    }

    /// <summary>True when any option that only the egress proxy can enforce was given.</summary>
    public bool Requested(ParseResult parse) =>
        (parse.GetValue(AllowHost) ?? []).Length > 0 || (parse.GetValue(Secret) ?? []).Length > 0;

    /// <summary>
    /// Starts the egress proxy for a sandboxed server on a private Unix socket and returns it with the launch spec
    /// pointed at it (socket, trust bundle, credential placeholders).
    /// </summary>
    public (EgressProxy Proxy, ServerLaunchSpec Spec, string SocketDirectory) Start(
        ParseResult parse, CliContext context, string server, ServerLaunchSpec spec,
        IInFlightCallRegistry calls, IAuditSink audit, ISecretRedactor redactor)
    {
        // A private folder per run: the socket is the server's only way out, so nobody else may connect to it.
        var socketDirectory = Path.Combine(Path.GetTempPath(), $"mcpguard-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
        DataDirectory.CreatePrivate(socketDirectory);
        var proxy = StartProxy(parse, context, server, Path.Combine(socketDirectory, "egress.sock"), calls, audit, redactor);

        // Placeholders win over any --pass-env of the same name: the real value must never enter the sandbox.
        var env = new Dictionary<string, string>(spec.Environment, StringComparer.Ordinal);
        foreach (var (name, placeholder) in proxy.PlaceholderEnvironment)
        {
            env[name] = placeholder;
        }

        return (proxy, spec with { EgressSocketPath = proxy.SocketPath, TrustBundlePath = proxy.TrustBundlePath, Environment = env }, socketDirectory);
    }

    /// <summary>
    /// Proxy-environment mode for an unconfined server: the egress proxy on 127.0.0.1:PORT and the server's environment
    /// pointed at it (<see cref="ProxyEnvironmentMode"/>). Weaker than the sandbox; the caller prints the warning.
    /// </summary>
    public (EgressProxy Proxy, ServerLaunchSpec Spec) StartProxyEnvironment(
        ParseResult parse, CliContext context, string server, ServerLaunchSpec spec,
        IInFlightCallRegistry calls, IAuditSink audit, ISecretRedactor redactor)
    {
        var proxy = StartProxy(parse, context, server, unixSocketPath: null, calls, audit, redactor);
        return (proxy, ProxyEnvironmentMode.Apply(spec, proxy.TcpEndPoint!, proxy.TrustBundlePath, proxy.PlaceholderEnvironment));
    }

    private EgressProxy StartProxy(
        ParseResult parse, CliContext context, string server, string? unixSocketPath,
        IInFlightCallRegistry calls, IAuditSink audit, ISecretRedactor redactor)
    {
        var policy = new EgressPolicy
        {
            Server = server,
            AllowedHosts = [.. parse.GetValue(AllowHost) ?? []],
            Secrets = [.. (parse.GetValue(Secret) ?? []).Select(s => ParseSecret(s, context))],
            KnownAddresses = [.. parse.GetValue(KnownAddress) ?? []],
        };
        EgressPolicyValidator.ThrowIfInvalid(policy);

        var resolve = new Dictionary<string, IPEndPoint>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in parse.GetValue(Resolve) ?? [])
        {
            var (host, endpoint) = EgressProxyOptions.ParseResolve(entry);
            resolve[host] = endpoint;
        }

        var trust = (parse.GetValue(TrustCa) ?? []).Select(f => Path.GetFullPath(f, context.WorkingDirectory)).ToList();
        foreach (var file in trust.Where(f => !File.Exists(f)))
        {
            throw new UserInputException($"--egress-trust-ca {file}: file not found");
        }

        return EgressProxy.Start(
            new EgressProxyOptions
            {
                Policy = policy,
                UnixSocketPath = unixSocketPath,
                Resolve = resolve,
                ExtraTrustCaFiles = trust,
                DataDirectory = DataDirectory.Resolve(context.GetEnvironmentVariable),
            },
            calls,
            audit,
            redactor,
            alert => context.Error.WriteLine(alert.ToDisplayLine()),
            new StderrLogger(context.Error, redactor));
    }

    private static EgressSecret ParseSecret(string text, CliContext context)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var colon = text.LastIndexOf(':');
        if (at <= 0 || colon <= at + 1 || colon == text.Length - 1)
        {
            throw new UserInputException($"--egress-secret '{text}': expected NAME@HOST:HEADER, e.g. POSTMARK_SERVER_TOKEN@api.postmarkapp.com:X-Postmark-Server-Token");
        }

        var name = text[..at];
        var value = context.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(value))
        {
            throw new UserInputException($"--egress-secret {name}: environment variable {name} is not set for mcpguard (its value is what the proxy inserts)");
        }

        return new EgressSecret(name, value, text[(at + 1)..colon], text[(colon + 1)..]);
    }
}
