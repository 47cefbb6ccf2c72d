using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;

namespace McpGuard.Verify.Analysis.JavaScript;

/// <summary>package.json rules: install hooks, URL/git dependencies, and the manifest facts of the fingerprint.</summary>
internal static partial class ManifestAnalyzer
{
    // GuardDog's npm-install-script allowlist: common, harmless hook commands.
    private static readonly HashSet<string> s_allowedHooks =
    [
        "husky", "husky install", "patch-package", "npx patch-package", "prisma generate", "nuxt prepare", "npx only-allow pnpm",
        "tsc || exit 0", "node-gyp rebuild", "node-gyp-build", "prebuild-install || node-gyp rebuild", "opencollective-postinstall",
        "node-gyp-build-optional-packages", "is-ci || husky install",
    ];

    private static readonly string[] s_hooks = ["preinstall", "install", "postinstall"];

    public static void Analyze(JsonObject? manifest, FileResult result)
    {
        if (manifest is null)
        {
            return;
        }

        if (manifest["scripts"] is JsonObject scripts)
        {
            foreach (var hook in s_hooks)
            {
                if (Text(scripts[hook]) is not { Length: > 0 } command)
                {
                    continue;
                }

                result.Facts.Add(new BehaviourFact(FactKind.InstallHook, $"{hook}={command}", null, "package.json", 1, $"\"{hook}\": \"{Short(command)}\""));
                if (s_allowedHooks.Contains(command.Trim()))
                {
                    continue;
                }

                var risky = hook == "preinstall" || RiskyCommand().IsMatch(command);
                result.Findings.Add(FindingFactory.Create(AnalysisRules.InstallScript,
                    $"package.json runs '{Short(command)}' as its {hook} script, on every machine that installs the package"
                    + (risky ? ", and it starts a shell or interpreter." : "."),
                    location: new SourceLocation { File = "package.json", Snippet = $"\"{hook}\": \"{Short(command)}\"" },
                    evidence: new JsonObject { ["hook"] = hook, ["command"] = Short(command) },
                    severity: risky ? Severity.High : Severity.Medium));
            }
        }

        foreach (var section in new[] { "dependencies", "optionalDependencies", "peerDependencies" })
        {
            if (manifest[section] is not JsonObject deps)
            {
                continue;
            }

            foreach (var (name, value) in deps)
            {
                var range = Text(value) ?? "";
                result.Facts.Add(new BehaviourFact(FactKind.Dependency, $"{name}@{range}", null, "package.json", 1, $"\"{name}\": \"{Short(range)}\""));
                if (UrlSpec().IsMatch(range))
                {
                    result.Findings.Add(FindingFactory.Create(AnalysisRules.UrlDependency,
                        $"Dependency '{name}' is taken from '{Short(range)}' instead of the registry, so no registry integrity protects it.",
                        location: new SourceLocation { File = "package.json", Snippet = $"\"{name}\": \"{Short(range)}\"" },
                        evidence: new JsonObject { ["dependency"] = name, ["spec"] = Short(range) }));
                }
            }
        }

        foreach (var entry in EntryPoints(manifest))
        {
            result.Facts.Add(new BehaviourFact(FactKind.EntryPoint, entry, null, "package.json", 1, entry));
        }
    }

    public static IEnumerable<string> EntryPoints(JsonObject manifest)
    {
        if (Text(manifest["main"]) is { } main)
        {
            yield return "main=" + main;
        }

        switch (manifest["bin"])
        {
            case JsonValue v when Text(v) is { } bin:
                yield return "bin=" + bin;
                break;
            case JsonObject bins:
                foreach (var (k, v2) in bins)
                {
                    yield return $"bin:{k}={Text(v2)}";
                }

                break;
            default:
                break;
        }

        if (manifest["exports"] is { } exports && exports.GetValueKind() == JsonValueKind.String)
        {
            yield return "exports=" + exports.GetValue<string>();
        }
    }

    /// <summary>Hosts the package itself claims (homepage, repository, bugs, author), used to tell its own addresses apart.</summary>
    public static IReadOnlySet<string> OwnDomains(JsonObject? manifest)
    {
        var domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (manifest is null)
        {
            return domains;
        }

        void AddUrl(string? text)
        {
            if (text is null)
            {
                return;
            }

            var at = text.IndexOf('@', StringComparison.Ordinal);
            if (at > 0 && !text.Contains("://", StringComparison.Ordinal))
            {
                domains.Add(RegistrableDomain(text[(at + 1)..].TrimEnd('>', ' ')));
                return;
            }

            if (Uri.TryCreate(text.Replace("git+", "", StringComparison.Ordinal), UriKind.Absolute, out var uri) && uri.Host.Length > 0
                && uri.Host is not ("github.com" or "gitlab.com" or "bitbucket.org" or "www.npmjs.com" or "npmjs.com"))
            {
                domains.Add(RegistrableDomain(uri.Host));
            }
        }

        AddUrl(Text(manifest["homepage"]));
        AddUrl(Text(manifest["repository"]) ?? Text((manifest["repository"] as JsonObject)?["url"]));
        AddUrl(Text((manifest["bugs"] as JsonObject)?["url"]));
        AddUrl(Text((manifest["bugs"] as JsonObject)?["email"]));
        AddUrl(Text((manifest["author"] as JsonObject)?["email"]));
        AddUrl(Text((manifest["author"] as JsonObject)?["url"]));
        if (Text(manifest["author"]) is { } author && AuthorEmail().Match(author) is { Success: true } m)
        {
            AddUrl(m.Groups[1].Value);
        }

        return domains;
    }

    private static string RegistrableDomain(string host)
    {
        var labels = host.ToLowerInvariant().Split('.');
        return labels.Length <= 2 ? host.ToLowerInvariant() : string.Join('.', labels[^2..]);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static string Short(string s) => s.Length > 160 ? s[..160] + "…" : s;

    [GeneratedRegex(@"(?:^|[\s;&|(`])(?:node|sh|bash|zsh|cmd|powershell|pwsh|curl|wget|nc|ncat|python3?|perl|ruby|eval|start|cscript|wscript|mshta|rundll32)(?:\s|$|\.exe)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RiskyCommand();

    [GeneratedRegex(@"^(?:https?:|git(?:\+[a-z]+)?:|git\+|github:|gitlab:|bitbucket:|gist:|[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+(?:#.*)?$)", RegexOptions.CultureInvariant)]
    private static partial Regex UrlSpec();

    [GeneratedRegex(@"<([^>]+@[^>]+)>", RegexOptions.CultureInvariant)]
    private static partial Regex AuthorEmail();
}
