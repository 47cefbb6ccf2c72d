using System.Text.RegularExpressions;
using McpGuard.Core;
using McpGuard.Core.IO;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace McpGuard.Runtime.Policy;

/// <summary>
/// Loads a policy file (YAML, or JSON, which YAML reads too) into immutable records. Every problem is an error
/// naming the file and line: a policy that cannot be read or means something unexpected refuses to start
/// (fail closed), because a silently ignored deny rule is worse than no proxy at all.
/// </summary>
public static class PolicyLoader
{
    /// <summary>A policy is a few KiB of rules; 4 MiB is generous and keeps a wrong file from being read whole.</summary>
    public const long MaxFileBytes = 4L * 1024 * 1024;

    /// <summary>
    /// The deepest nesting a policy may have. Real policies nest four or five levels; YamlDotNet builds its node tree
    /// recursively, so a hostile file nested tens of thousands deep would overflow the stack and kill the process.
    /// </summary>
    public const int MaxDepth = 64;

    public static GuardPolicy Load(string path) =>
        Parse(InputFile.ReadAllText(path, MaxFileBytes, "policy file"), path);

    public static GuardPolicy Parse(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            CheckDepth(text, path);
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            // Duplicate keys land here too: YamlDotNet refuses them, and so do we (no last-key-wins surprises).
            throw new UserInputException($"policy file {path}:{ex.Start.Line}: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0)
        {
            return GuardPolicy.Empty with { SourcePath = path };
        }

        var reader = new Reader(path);
        var root = reader.Mapping(stream.Documents[0].RootNode, "the top level");
        reader.OnlyKeys(root, "version", "servers");
        if (root.Children.TryGetValue(new YamlScalarNode("version"), out var version) && reader.Scalar(version, "version") != "1")
        {
            throw reader.Error(version, "version must be 1");
        }

        var servers = new Dictionary<string, ServerPolicy>(StringComparer.Ordinal);
        if (root.Children.TryGetValue(new YamlScalarNode("servers"), out var serversNode))
        {
            foreach (var (key, value) in reader.Mapping(serversNode, "servers").Children)
            {
                var name = reader.Scalar(key, "a server name");
                servers[name] = reader.Server(value, name);
            }
        }

        return new GuardPolicy { Servers = servers, SourcePath = path };
    }

    /// <summary>A flat pass over the parser's events (the parser itself is not recursive) before the tree is built.</summary>
    private static void CheckDepth(string text, string path)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxDepth)
                    {
                        throw new UserInputException($"policy file {path}:{parser.Current.Start.Line}: nested deeper than {MaxDepth} levels");
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    private sealed class Reader(string path)
    {
        public UserInputException Error(YamlNode node, string message) =>
            new($"policy file {path}:{node.Start.Line}: {message}");

        public YamlMappingNode Mapping(YamlNode node, string what) =>
            node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping");

        public string Scalar(YamlNode node, string what) =>
            (node as YamlScalarNode)?.Value ?? throw Error(node, $"{what} must be a single value");

        public IReadOnlyList<string> List(YamlNode node, string what) => node switch
        {
            YamlSequenceNode seq => [.. seq.Children.Select(c => Scalar(c, what))],
            YamlScalarNode s when s.Value is not null => [s.Value],
            _ => throw Error(node, $"{what} must be a list"),
        };

        public void OnlyKeys(YamlMappingNode map, params string[] allowed)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = Scalar(key, "a key");
                if (!allowed.Contains(name, StringComparer.Ordinal))
                {
                    throw Error(key, $"unknown key '{name}' (expected one of: {string.Join(", ", allowed)})");
                }
            }
        }

        public ServerPolicy Server(YamlNode node, string name)
        {
            var map = Mapping(node, $"servers.{name}");
            OnlyKeys(map, "tools", "arguments", "onViolation", "poisonedTools", "toolResults");
            var policy = ServerPolicy.Default;
            foreach (var (keyNode, value) in map.Children)
            {
                switch (Scalar(keyNode, "a key"))
                {
                    case "tools":
                        var tools = Mapping(value, $"servers.{name}.tools");
                        OnlyKeys(tools, "allow", "deny");
                        foreach (var (k, v) in tools.Children)
                        {
                            var globs = List(v, "a tool name or glob");
                            policy = Scalar(k, "a key") == "allow" ? policy with { AllowTools = globs } : policy with { DenyTools = globs };
                        }

                        break;
                    case "arguments":
                        policy = policy with { Arguments = [.. Mapping(value, $"servers.{name}.arguments").Children.Select(p => ToolRules(p.Key, p.Value))] };
                        break;
                    case "onViolation":
                        policy = policy with { OnViolation = Enum<ViolationAction>(value, "onViolation", "block", "alert") };
                        break;
                    case "poisonedTools":
                        policy = policy with { PoisonedTools = Enum<PoisonedToolAction>(value, "poisonedTools", "flag", "hide") };
                        break;
                    case "toolResults":
                        policy = policy with { ToolResults = Enum<ToolResultAction>(value, "toolResults", "flag", "strip") };
                        break;
                }
            }

            return policy;
        }

        private T Enum<T>(YamlNode node, string what, params string[] names)
            where T : struct, Enum
        {
            var value = Scalar(node, what);
            var index = Array.IndexOf(names, value);
            return index >= 0 ? (T)(object)index : throw Error(node, $"{what} must be one of: {string.Join(", ", names)} (got '{value}')");
        }

        private ToolArgumentRules ToolRules(YamlNode toolKey, YamlNode node)
        {
            var tool = Scalar(toolKey, "a tool name or glob");
            var constraints = new Dictionary<string, ArgumentConstraint>(StringComparer.Ordinal);
            foreach (var (argKey, argNode) in Mapping(node, $"arguments.{tool}").Children)
            {
                var arg = Scalar(argKey, "an argument name");
                constraints[arg] = Constraint(argNode, $"arguments.{tool}.{arg}");
            }

            return new ToolArgumentRules(tool, constraints);
        }

        private ArgumentConstraint Constraint(YamlNode node, string what)
        {
            var map = Mapping(node, what);
            OnlyKeys(map, "pattern", "enum", "maxLength", "domains", "forbidden", "required");
            var c = new ArgumentConstraint();
            foreach (var (k, v) in map.Children)
            {
                switch (Scalar(k, "a key"))
                {
                    case "pattern":
                        try
                        {
                            c = c with { Pattern = new Regex(Scalar(v, "pattern"), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)) };
                        }
                        catch (ArgumentException ex)
                        {
                            throw Error(v, $"{what}.pattern is not a valid regular expression: {ex.Message}");
                        }

                        break;
                    case "enum":
                        c = c with { Enum = List(v, "an enum value") };
                        break;
                    case "maxLength":
                        c = c with { MaxLength = int.TryParse(Scalar(v, "maxLength"), out var n) && n >= 0 ? n : throw Error(v, $"{what}.maxLength must be a whole number >= 0") };
                        break;
                    case "domains":
                        var domains = List(v, "a domain");
                        if (domains.Count == 0 || domains.Any(d => d.Length == 0 || d.Contains('@', StringComparison.Ordinal)))
                        {
                            throw Error(v, $"{what}.domains must list domains such as example.com or *.example.com");
                        }

                        c = c with { Domains = domains };
                        break;
                    case "forbidden":
                        c = c with { Forbidden = Bool(v, "forbidden") };
                        break;
                    case "required":
                        c = c with { Required = Bool(v, "required") };
                        break;
                }
            }

            return c;
        }

        private bool Bool(YamlNode node, string what) => Scalar(node, what) switch
        {
            "true" => true,
            "false" => false,
            _ => throw Error(node, $"{what} must be true or false"),
        };
    }
}
