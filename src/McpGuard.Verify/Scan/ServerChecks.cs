using System.Net;
using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Intel;
using McpGuard.Core.Rules;
using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Scan;

/// <summary>The MCPG1xx checks for one resolved server. Each check is one method; messages never hold a secret value.</summary>
internal static class ServerChecks
{
    public static IEnumerable<Finding> Run(ResolvedLaunch launch, IntelDatabase intel, string? home = null) =>
        KnownMalicious(launch, intel, home)
            .Concat(KnownBadIndicator(launch, intel))
            .Concat(Impersonation(launch, intel))
            .Concat(Unpinned(launch))
            .Concat(PlainHttp(launch))
            .Concat(PlaintextCredentials(launch, home));

    private static SourceLocation Where(ResolvedLaunch l) => new() { File = l.Server.ConfigPath, Line = l.Server.Line };

    /// <summary>
    /// Names of the credentials a server is handed: env variables and headers whose name says "secret" (a
    /// ${VAR} reference still hands the secret over). If none says so, every env/header name, to be safe.
    /// </summary>
    internal static IReadOnlyList<string> CredentialNames(ResolvedLaunch l)
    {
        var all = l.Server.Env.Keys.Concat(l.Server.Headers.Keys).ToList();
        var secret = all.Where(CredentialHeuristics.IsSecretName).ToList();
        return secret.Count > 0 ? secret : all;
    }

    /// <summary>A path for people: "~/x" when inside the scanned home (reports keep absolute paths in their fields).</summary>
    internal static string Show(string path, string? home)
    {
        if (home is null)
        {
            return path;
        }

        var rel = Path.GetRelativePath(home, path);
        return rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel) ? path : "~/" + rel.Replace('\\', '/');
    }

    private static IEnumerable<Finding> KnownMalicious(ResolvedLaunch l, IntelDatabase intel, string? home)
    {
        if (l.Package is not { Ecosystem: "npm" or "pypi" } p)
        {
            yield break;
        }

        // What runs decides: the installed copy (an unpinned npx launch runs whatever was fetched last), else the pin.
        var running = p.Version;
        var advisory = intel.FindAdvisories(p.Ecosystem, p.Name, running).FirstOrDefault();
        // Other cached copies matter only to an unpinned launch: a pinned one runs its own version's copy.
        var other = advisory is null && !p.Pinned
            ? p.InstalledCopies.Where(c => c != p.Installed).Select(c => (Copy: c, Adv: intel.FindAdvisories(p.Ecosystem, p.Name, c.Version).FirstOrDefault()))
                .FirstOrDefault(x => x.Adv is not null)
            : default;
        if (advisory is null && other.Adv is null)
        {
            // Nothing installed and no pin: the next start fetches the newest release of a name with a malicious history.
            if (!p.Pinned && p.Installed is null && intel.AdvisoriesFor(p.Ecosystem, p.Name).FirstOrDefault() is { } history)
            {
                yield return FindingFactory.Create(ScanRules.KnownMaliciousPackage,
                    $"Server '{l.Server.Name}' starts {p.Name} unpinned, and {history.Id} lists malicious versions of it; no copy is installed yet, so the next start may fetch one.",
                    l.Server.Name, Where(l),
                    new JsonObject { ["advisory"] = history.Id, ["ecosystem"] = p.Ecosystem, ["package"] = p.Name },
                    severity: Severity.High,
                    remediation: $"Remove '{l.Server.Name}' from {Show(l.Server.ConfigPath, home)}, or pin a version the advisory does not cover after reviewing it.");
            }

            yield break;
        }

        var adv = advisory ?? other.Adv!;
        var version = advisory is not null ? running : other.Copy.Version;
        var copy = advisory is not null ? p.Installed : other.Copy;
        var credentials = CredentialNames(l);
        var behaviour = adv.Behaviour is { } b ? $": it {b}" : "";
        var where = copy is null ? (p.Pinned ? " (pinned in this config)" : "") : $" (in the {copy.Where})";
        var message = advisory is not null
            ? $"Server '{l.Server.Name}' runs {p.Name} {version}{where}, listed as malicious in {adv.Id}{behaviour}."
            : $"Server '{l.Server.Name}' uses {p.Name}; malicious version {version} ({adv.Id}) is in the {copy!.Where} and can run on the next start{behaviour}.";
        var rotate = credentials.Count > 0
            ? $"rotate {string.Join(", ", credentials)}"
            : "rotate any credential the server could reach";
        var remove = copy is null ? "" : copy.Where == "npx cache"
            ? $", delete {Show(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(copy.PackageJsonPath)))!, home)}"
            : $", uninstall {Show(Path.GetDirectoryName(copy.PackageJsonPath)!, home)}";
        var remediation =
            $"Remove '{l.Server.Name}' from {Show(l.Server.ConfigPath, home)}{remove}; {rotate}; check your mail provider's sent-mail logs{IndicatorHint(intel, adv.Id)}.";
        var evidence = new JsonObject
        {
            ["advisory"] = adv.Id,
            ["advisorySource"] = adv.Source,
            ["ecosystem"] = p.Ecosystem,
            ["package"] = p.Name,
            ["version"] = version,
            ["credentialNames"] = new JsonArray([.. credentials.Select(c => (JsonNode)c)]),
        };
        if (copy is not null)
        {
            evidence["installedPath"] = copy.PackageJsonPath;
        }

        yield return FindingFactory.Create(ScanRules.KnownMaliciousPackage, message, l.Server.Name, Where(l), evidence,
            severity: advisory is not null ? Severity.Critical : Severity.High, remediation: remediation);
    }

    private static string IndicatorHint(IntelDatabase intel, string advisoryId)
    {
        var iocs = intel.KnownBadEmailAddresses.Concat(intel.KnownBadDomains).Where(i => i.AdvisoryId == advisoryId).Select(i => i.Value).ToList();
        return iocs.Count == 0 ? " for messages you did not send" : $" for copies sent to {string.Join(" or ", iocs)}";
    }

    private static IEnumerable<Finding> KnownBadIndicator(ResolvedLaunch l, IntelDatabase intel)
    {
        var s = l.Server;
        var places = new List<(string Place, string Text)>();
        places.AddRange(s.Args.Select((a, i) => ($"argument {i + 1}", a)));
        if (s.Command is { } c)
        {
            places.Add(("command", c));
        }

        if (s.Url is { } u)
        {
            places.Add(("url", u));
        }

        places.AddRange(s.Env.Select(kv => ($"env {kv.Key}", kv.Value)));
        places.AddRange(s.Headers.Select(kv => ($"header {kv.Key}", kv.Value)));
        foreach (var (place, text) in places)
        {
            if (intel.FindIndicatorIn(text) is { } ioc)
            {
                yield return FindingFactory.Create(ScanRules.KnownBadIndicator,
                    $"Server '{s.Name}' mentions {ioc.Value} in its {place}: {ioc.Note} ({ioc.AdvisoryId}).",
                    s.Name, Where(l), new JsonObject { ["indicator"] = ioc.Value, ["advisory"] = ioc.AdvisoryId, ["where"] = place });
                yield break;
            }
        }
    }

    private static IEnumerable<Finding> Impersonation(ResolvedLaunch l, IntelDatabase intel)
    {
        if (l.Package is { } p && intel.TryGetImpersonation(p.Ecosystem, p.Name, out var imp) && imp is not null)
        {
            yield return FindingFactory.Create(ScanRules.BrandImpersonation,
                $"Server '{l.Server.Name}' runs {p.Name}, which is named like an official {imp.Brand} server but is not published by {imp.Brand}. {imp.Note}",
                l.Server.Name, Where(l),
                new JsonObject { ["package"] = p.Name, ["brand"] = imp.Brand, ["official"] = imp.Official },
                remediation: imp.Official is { } official
                    ? $"Replace it with {imp.Brand}'s own server ({official}) pinned to a reviewed version, or remove it."
                    : $"Remove it, or use a server that {imp.Brand} itself publishes.");
        }
    }

    private static IEnumerable<Finding> Unpinned(ResolvedLaunch l)
    {
        if (l.Package is not { } p || p.Pinned || p.Ecosystem is not ("npm" or "pypi" or "docker"))
        {
            yield break;
        }

        var installed = p.Installed is { } i ? $" Now runs {i.Version} from the {i.Where}." : "";
        var (message, fix) = p.Ecosystem switch
        {
            "docker" => (
                $"Server '{l.Server.Name}' runs image {p.Name}:{p.Requested} by tag, without a digest: the tag can be moved to new code at any time.",
                $"Pin the image by digest ({p.Name}@sha256:..., shown by 'docker images --digests {p.Name}')."),
            _ => (
                $"Server '{l.Server.Name}' starts {p.Name} {Describe(p)}: each start may run a new, unreviewed release (how postmark-mcp 1.0.16 reached its users).{installed}",
                p.Ecosystem == "pypi"
                    ? $"Pin one reviewed version ({p.Name}=={p.Installed?.Version ?? "X.Y.Z"}) and record it with 'mcpguard lock'."
                    : $"Pin one reviewed version ({p.Name}@{p.Installed?.Version ?? "X.Y.Z"}) and record it with 'mcpguard lock'."),
        };
        yield return FindingFactory.Create(ScanRules.UnpinnedLaunch, message, l.Server.Name, Where(l),
            new JsonObject { ["ecosystem"] = p.Ecosystem, ["package"] = p.Name, ["requested"] = p.Requested, ["installedVersion"] = p.Installed?.Version },
            remediation: fix);
    }

    private static string Describe(ResolvedPackage p) => p.Requested switch
    {
        null => "with no version",
        "latest" => "at @latest",
        var r when char.IsLetter(r[0]) => $"at the dist-tag '{r}'",
        var r => $"with the version range '{r}'",
    };

    private static IEnumerable<Finding> PlainHttp(ResolvedLaunch l)
    {
        var urls = new List<string>();
        if (l.Server.Url is { } u)
        {
            urls.Add(u);
        }

        // Bridges such as mcp-remote take the remote URL as an argument.
        urls.AddRange(l.Args.Where(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)));
        foreach (var url in urls)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri.Host))
            {
                yield return FindingFactory.Create(ScanRules.PlainHttpRemote,
                    $"Server '{l.Server.Name}' talks to {uri.Host} over plain http://, so its tool calls, results and any token can be read or changed on the network.",
                    l.Server.Name, Where(l), new JsonObject { ["host"] = uri.Host, ["scheme"] = "http" });
                yield break;
            }
        }
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static IEnumerable<Finding> PlaintextCredentials(ResolvedLaunch l, string? home)
    {
        var s = l.Server;
        var names = new List<string>();
        names.AddRange(s.Env.Where(kv => CredentialHeuristics.IsPlaintextCredential(kv.Key, kv.Value, isHeader: false)).Select(kv => $"env {kv.Key}"));
        names.AddRange(s.Headers.Where(kv => CredentialHeuristics.IsPlaintextCredential(kv.Key, kv.Value, isHeader: true)).Select(kv => $"header {kv.Key}"));
        var hiddenArgs = new List<string>();
        CredentialHeuristics.RedactArgs(s.Args, hiddenArgs);
        names.AddRange(hiddenArgs.Select(a => a.StartsWith("argument", StringComparison.Ordinal) ? a : $"argument {a}"));
        if (s.Url is { } url)
        {
            names.AddRange(CredentialHeuristics.CredentialPartsOfUrl(url));
        }

        if (names.Count == 0)
        {
            yield break;
        }

        yield return FindingFactory.Create(ScanRules.PlaintextCredential,
            $"Server '{s.Name}' has a credential in plain text in {Show(s.ConfigPath, home)}: {string.Join(", ", names)} (value not shown).",
            s.Name, Where(l), new JsonObject { ["names"] = new JsonArray([.. names.Select(n => (JsonNode)n)]) });
    }
}
