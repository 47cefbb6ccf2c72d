using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Acornima;
using Acornima.Ast;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;
using McpGuard.Core.Tools;
using SourceLocation = McpGuard.Core.Findings.SourceLocation;

namespace McpGuard.Verify.Analysis.JavaScript;

/// <summary>What the package-level analysis needs back from one JavaScript file.</summary>
internal sealed class FileResult
{
    public List<Finding> Findings { get; } = [];
    public List<BehaviourFact> Facts { get; } = [];
    public List<(ToolDefinition Tool, int Line)> Tools { get; } = [];
    public bool HasNetwork { get; set; }
    public bool HasSpawn { get; set; }

    /// <summary>Why the file was not (completely) analysed — a CoverageReasons name — or null when it was.</summary>
    public string? NotAnalysed { get; set; }
}

/// <summary>
/// Walks one parsed file once (after a pre-pass for constants, module aliases and tools) and applies every
/// JavaScript rule. Findings are attached to the MCP tool handler they sit in when there is one.
/// </summary>
internal sealed partial class JsFileWalker
{
    private static readonly HashSet<string> s_mailModules =
    [
        "postmark", "nodemailer", "@sendgrid/mail", "resend", "mailgun.js", "mailgun-js", "@aws-sdk/client-ses",
        "@aws-sdk/client-sesv2", "emailjs", "@emailjs/browser", "@emailjs/nodejs", "mailersend", "@mailchimp/mailchimp_transactional",
        "sendmail", "@getbrevo/brevo", "sib-api-v3-sdk", "smtp-client", "postmark.js",
    ];

    private static readonly HashSet<string> s_networkModules =
    [
        "http", "https", "http2", "node:http", "node:https", "node:http2", "axios", "node-fetch", "got", "undici", "request",
        "needle", "superagent", "net", "node:net", "tls", "node:tls", "dgram", "node:dgram", "dns", "node:dns", "ws", "ky",
        "cross-fetch", "isomorphic-fetch", "socket.io-client", "phin", "bent", "make-fetch-happen",
    ];

    private static readonly HashSet<string> s_globalNetworkCalls = ["fetch", "axios", "got", "request", "needle", "superagent", "ky", "$fetch"];

    private static readonly string[] s_sensitivePaths =
    [
        ".ssh/", ".ssh\\", "id_rsa", "id_ed25519", "id_ecdsa", ".npmrc", ".aws/credentials", ".aws\\credentials", ".docker/config.json",
        ".kube/config", ".git-credentials", ".netrc", "/etc/passwd", "/etc/shadow", "claude_desktop_config.json",
        ".cursor/mcp.json", ".claude.json", "local storage/leveldb", "local storage\\leveldb", "\\discord", "/discord/",
        "login data", "cookies.sqlite", "logins.json", "key4.db", ".config/gcloud", "application_default_credentials.json",
        ".azure/", ".pypirc", ".config/solana", "wallet.dat", "keychain-db", ".codeium/windsurf/mcp_config.json",
        "webappsstore.sqlite", "ls-archive.sqlite",
    ];

    // One multi-string search per literal instead of lower-casing it and trying every pattern.
    private static readonly System.Buffers.SearchValues<string> s_sensitiveSearch =
        System.Buffers.SearchValues.Create(s_sensitivePaths, StringComparison.OrdinalIgnoreCase);

    private static readonly System.Buffers.SearchValues<char> s_sensitiveMarks = System.Buffers.SearchValues.Create("./\\_ -");

    private readonly string _path;
    private readonly string _source;
    private readonly IReadOnlySet<string> _ownDomains;
    private readonly FileResult _result;
    private readonly Dictionary<string, Expression> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ObjectExpression>> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    // Keyed by the function's start offset (unique among function nodes): hashing node references would give
    // every function object an identity hash on the hot path.
    private readonly Dictionary<int, string> _handlers = [];
    private readonly HashSet<string> _toolNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly HashSet<string> _obfuscatedNames = new(StringComparer.Ordinal);
    private readonly ConstantFolder _folder;
    private bool _mailContext;
    private int _bigCharCodeCalls;
    private int _firstObfuscationLine;

    private sealed class Frame
    {
        public string? Handler { get; private set; }
        public string? NetworkSink { get; set; }
        /// <summary>The first sensitive source read in this function (only the first is reported); no list per function.</summary>
        public (string What, Node At)? Sensitive { get; set; }

        /// <summary>Makes this (new or reused) frame the frame of a function inside <paramref name="parent"/>.</summary>
        public Frame Open(string? handler, Frame? parent)
        {
            Handler = handler ?? parent?.Handler;
            NetworkSink = null;
            Sensitive = null;
            return this;
        }
    }

    // Closed frames are reused: a bundle has hundreds of thousands of functions, but only as many frames are open at
    // once as functions are nested, and nothing keeps a frame after its function is closed.
    private readonly Stack<Frame> _spareFrames = new();

    private Frame _frame;
    private string? _caseLabel;

    public JsFileWalker(string path, string source, IReadOnlySet<string> ownDomains, FileResult result)
    {
        _path = path;
        _source = source;
        _ownDomains = ownDomains;
        _result = result;
        _folder = new ConstantFolder(_constants);
        _frame = new Frame().Open(null, null);
    }

    public void Run(Acornima.Ast.Program program)
    {
        var collected = Collected.Rent();
        try
        {
            collected.Walk(program);
            PrePass(collected);
        }
        finally
        {
            collected.Return();
        }

        Visit(program);
        CloseFrame(_frame);
        CheckTextObfuscation();
    }

    // ---------------- pre-pass: constants, objects, module aliases, mail context, tools ----------------

    /// <summary>
    /// The nodes the pre-pass needs, gathered by one bare walk before the rule walk. (Collecting them in the parser's
    /// OnNode callback instead made Acornima track scopes for every node, which cost more than this walk.)
    /// Post-order, the order in which the parser completes nodes.
    /// </summary>
    internal sealed class Collected
    {
        // Lists up to this many entries are kept for the thread's next file (≈ 1.5 MB of arrays each at the cap), so
        // their growth is not paid again per file; a bigger file's lists are dropped, so memory stays bounded.
        private const int MaxKeptCapacity = 1 << 18;

        [ThreadStatic]
        private static Collected? t_spare;

        private int _depth;

        /// <summary>The thread's spare (empty) instance, or a new one.</summary>
        public static Collected Rent()
        {
            var collected = t_spare ?? new Collected();
            t_spare = null;
            return collected;
        }

        /// <summary>Empties the lists, so no AST stays reachable from them, and keeps them for the thread's next file.</summary>
        public void Return()
        {
            Bindings.Clear();
            Calls.Clear();
            Objects.Clear();
            _depth = 0;
            if (Bindings.Capacity <= MaxKeptCapacity && Calls.Capacity <= MaxKeptCapacity && Objects.Capacity <= MaxKeptCapacity)
            {
                t_spare = this;
            }
        }

        /// <summary>Variable declarators and import declarations.</summary>
        public List<Node> Bindings { get; } = [];

        public List<CallExpression> Calls { get; } = [];

        public List<ObjectExpression> Objects { get; } = [];

        public void Walk(Node node)
        {
            if ((++_depth & 15) == 0 && !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                throw new InsufficientExecutionStackException("the file is nested too deeply to analyse");
            }

            foreach (var child in node.ChildNodes)
            {
                Walk(child);
            }

            switch (node.Type)
            {
                case NodeType.VariableDeclarator or NodeType.ImportDeclaration:
                    Bindings.Add(node);
                    break;
                case NodeType.CallExpression:
                    Calls.Add((CallExpression)node);
                    break;
                case NodeType.ObjectExpression:
                    Objects.Add((ObjectExpression)node);
                    break;
                default:
                    break;
            }

            _depth--;
        }
    }

    private void PrePass(Collected collected)
    {
        foreach (var node in collected.Bindings)
        {
            switch (node)
            {
                case VariableDeclarator { Id: Identifier id, Init: { } init } decl:
                    if (init is ObjectExpression obj)
                    {
                        if (!_objects.TryGetValue(id.Name, out var list))
                        {
                            _objects[id.Name] = list = [];
                        }

                        list.Add(obj);
                    }

                    if (ModuleOf(init) is { } module)
                    {
                        _aliases[id.Name] = module;
                    }
                    else if (init is MemberExpression { Property: Identifier prop } m && ModuleOf(m.Object) is { } mod2)
                    {
                        _aliases[id.Name] = mod2 + "#" + prop.Name;
                    }
                    else if (IsConstDeclarator(decl))
                    {
                        _constants[id.Name] = init;
                    }

                    break;
                case VariableDeclarator { Id: ObjectPattern pattern, Init: { } init2 } when ModuleOf(init2) is { } module3:
                    foreach (var p in pattern.Properties)
                    {
                        if (p is Property { Key: Identifier key, Value: Identifier local })
                        {
                            _aliases[local.Name] = module3 + "#" + key.Name;
                        }
                    }

                    break;
                case ImportDeclaration imp:
                    var source = imp.Source.Value;
                    AddModule(source, imp);
                    foreach (var spec in imp.Specifiers)
                    {
                        switch (spec)
                        {
                            case ImportDefaultSpecifier d: _aliases[d.Local.Name] = source; break;
                            case ImportNamespaceSpecifier n: _aliases[n.Local.Name] = source; break;
                            case ImportSpecifier s when s.Imported is Identifier imported: _aliases[s.Local.Name] = source + "#" + imported.Name; break;
                            default: break;
                        }
                    }

                    break;
                default:
                    break;
            }
        }

        var calls = collected.Calls;
        var objects = collected.Objects;
        foreach (var call in calls)
        {
            if (call.Callee is Identifier { Name: "require" } && call.Arguments.Count == 1 && _folder.Fold(call.Arguments[0]) is { } required)
            {
                AddModule(required, call);
            }
            else if (MethodName(call) is { } name && IsMailSendName(name))
            {
                _mailContext = true;
            }

            ExtractToolCall(call);
        }

        foreach (var obj in objects)
        {
            ExtractToolObject(obj);
        }
    }

    private static bool IsConstDeclarator(VariableDeclarator decl) => decl.Init is not null;

    private void AddModule(string module, Node at)
    {
        if (s_mailModules.Contains(module))
        {
            _mailContext = true;
        }

        if (s_networkModules.Contains(module) || s_mailModules.Contains(module))
        {
            _result.HasNetwork = true;
        }

        if (module is "child_process" or "node:child_process")
        {
            _result.HasSpawn = true;
        }

        AddFact(FactKind.Module, module, at);
    }

    /// <summary>The module name when the expression is require('m'), await import('m') or require('m').x.</summary>
    private string? ModuleOf(Node? node) => node switch
    {
        CallExpression { Callee: Identifier { Name: "require" }, Arguments: { Count: 1 } a } => _folder.Fold(a[0]),
        AwaitExpression { Argument: ImportExpression { Source: var s } } => _folder.Fold(s),
        ImportExpression { Source: var s2 } => _folder.Fold(s2),
        CallExpression { Callee: Identifier { Name: "_interopRequireDefault" or "__importDefault" or "__importStar" or "__toESM" }, Arguments: { Count: >= 1 } a2 } => ModuleOf(a2[0]),
        _ => null,
    };

    // ---------------- tools ----------------

    private void ExtractToolCall(CallExpression call)
    {
        if (call.Callee is not MemberExpression { Property: Identifier { Name: "tool" or "registerTool" } prop } || call.Arguments.Count < 2
            || _folder.Fold(call.Arguments[0]) is not { Length: > 0 and < 200 } name)
        {
            return;
        }

        string? description = null;
        JsonNode? schema = null;
        string? title = null;
        var args = call.Arguments;
        if (prop.Name == "registerTool" && args[1] is ObjectExpression config)
        {
            description = _folder.Fold(PropertyValue(config, "description"));
            title = _folder.Fold(PropertyValue(config, "title"));
            schema = SchemaOf(PropertyValue(config, "inputSchema"));
        }
        else
        {
            for (var i = 1; i < args.Count - 1; i++)
            {
                if (description is null && _folder.Fold(args[i]) is { } text)
                {
                    description = text;
                }
                else if (schema is null && args[i] is ObjectExpression)
                {
                    schema = SchemaOf(args[i]);
                }
            }
        }

        if (args[^1] is IFunction and Node handler)
        {
            _handlers[handler.Start] = name;
        }

        AddTool(new ToolDefinition(name, description, schema, title), call);
    }

    private void ExtractToolObject(ObjectExpression obj)
    {
        if (obj.Properties.Count < 3)
        {
            return; // name, description and a schema at least
        }

        // One pass over the keys (this runs for every object literal); the first occurrence of each key wins.
        Node? nameNode = null, descriptionNode = null, schemaNode = null, snakeSchemaNode = null, titleNode = null;
        foreach (var p in obj.Properties)
        {
            if (p is not Property prop || KeyName(prop) is not { Length: >= 4 and <= 12 } key)
            {
                continue;
            }

            switch (key)
            {
                case "name": nameNode ??= prop.Value; break;
                case "description": descriptionNode ??= prop.Value; break;
                case "inputSchema": schemaNode ??= prop.Value; break;
                case "input_schema": snakeSchemaNode ??= prop.Value; break;
                case "title": titleNode ??= prop.Value; break;
                default: break;
            }
        }

        schemaNode ??= snakeSchemaNode;
        if (schemaNode is null || nameNode is null || descriptionNode is null
            || _folder.Fold(nameNode) is not { Length: > 0 and < 200 } name || _folder.Fold(descriptionNode) is not { } description)
        {
            return;
        }

        AddTool(new ToolDefinition(name, description, SchemaOf(schemaNode), _folder.Fold(titleNode)), obj);
    }

    private void AddTool(ToolDefinition tool, Node at)
    {
        if (!_toolNames.Add(tool.Name))
        {
            return;
        }

        _result.Tools.Add((tool, Line(at)));
        AddFact(FactKind.Tool, tool.Name, at, tool.Name);
        AddFact(FactKind.ToolDescription, tool.Name + ":" + Hash(tool.Description ?? ""), at, tool.Name);
        AddFact(FactKind.ToolSchema, tool.Name + ":" + Hash(tool.InputSchema?.ToJsonString() ?? ""), at, tool.Name);
    }

    private static string Hash(string s) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s)))[..16];

    /// <summary>A JSON schema from a literal schema object or a zod shape ({ to: z.string().describe('...') }).</summary>
    private JsonNode? SchemaOf(Node? node)
    {
        if (node is not ObjectExpression obj)
        {
            return null;
        }

        var isZodShape = false;
        foreach (var p in obj.Properties)
        {
            isZodShape |= p is Property { Value: CallExpression };
        }
        if (!isZodShape)
        {
            return LiteralToJson(obj, 0);
        }

        var properties = new JsonObject();
        foreach (var p in obj.Properties)
        {
            if (p is not Property { Value: var value } prop || KeyName(prop) is not { } key)
            {
                continue;
            }

            var schema = new JsonObject();
            for (var n = value as Node; n is CallExpression { Callee: MemberExpression callee } c; n = callee.Object)
            {
                if (callee.Property is Identifier { Name: "describe" } && c.Arguments.Count == 1 && _folder.Fold(c.Arguments[0]) is { } d)
                {
                    schema["description"] = d;
                }
                else if (callee.Object is Identifier { Name: "z" } && callee.Property is Identifier t)
                {
                    schema["type"] = t.Name;
                }
            }

            properties[key] = schema;
        }

        return new JsonObject { ["type"] = "object", ["properties"] = properties };
    }

    private JsonNode? LiteralToJson(Node? node, int depth)
    {
        if (depth > 16 || node is null)
        {
            return null;
        }

        switch (node)
        {
            case ObjectExpression o:
                var obj = new JsonObject();
                foreach (var p in o.Properties)
                {
                    if (p is Property prop && KeyName(prop) is { } key && !obj.ContainsKey(key))
                    {
                        obj[key] = LiteralToJson(prop.Value, depth + 1);
                    }
                }

                return obj;
            case ArrayExpression a:
                var arr = new JsonArray();
                foreach (var e in a.Elements)
                {
                    arr.Add(LiteralToJson(e, depth + 1));
                }

                return arr;
            case Literal { Value: bool b }:
                return JsonValue.Create(b);
            case Literal { Value: double d }:
                return JsonValue.Create(d);
            default:
                return _folder.Fold(node) is { } s ? JsonValue.Create(s) : null;
        }
    }

    // ---------------- main walk ----------------

    // Dispatch on NodeType (a jump table) instead of a chain of type patterns: the walk visits every node of
    // the file, and interface/base-class type tests per node cost more than the rules themselves.
    private void Visit(Node node)
    {
        // Checking the stack every 16 levels is as safe as at every node (16 frames are far below the margin the
        // check keeps) and takes the check off the per-node path.
        if ((++_depth & 15) == 0 && !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new InsufficientExecutionStackException("the file is nested too deeply to analyse");
        }

        VisitNode(node);
        _depth--; // not restored when the check throws: the walker is abandoned then
    }

    private int _depth;

    private void VisitNode(Node node)
    {

        switch (node.Type)
        {
            case NodeType.FunctionDeclaration or NodeType.FunctionExpression or NodeType.ArrowFunctionExpression:
                VisitFunction(node);
                return;
            case NodeType.SwitchCase when _toolNames.Count > 0:
                {
                    // Tool dispatch by name (switch (name) { case 'send_email': ... }) only matters when the file defines tools.
                    var sc = (SwitchCase)node;
                    var outerCase = _caseLabel;
                    if (sc.Test is not null && _folder.Fold(sc.Test) is { } label && _toolNames.Contains(label))
                    {
                        _caseLabel = label;
                    }

                    VisitChildren(node);
                    _caseLabel = outerCase;
                    return;
                }

            case NodeType.IfStatement when _toolNames.Count > 0 && VisitToolIf((IfStatement)node):
                return;
            case NodeType.Literal:
                if (node is StringLiteral s)
                {
                    CheckString(s.Value, s);
                }
                else if (node is RegExpLiteral { Raw: { } raw } regex
                    && ((raw.Contains("{24}", StringComparison.Ordinal) && raw.Contains("{27}", StringComparison.Ordinal)) || raw.Contains(@"mfa\.", StringComparison.Ordinal)))
                {
                    AddFinding(AnalysisRules.TokenPattern, $"{Where()} searches text with {Short(raw)}, the shape of a Discord user token.", regex,
                        new JsonObject { ["pattern"] = Short(raw) });
                }

                return;
            case NodeType.TemplateElement:
                if (((TemplateElement)node).Value.Cooked is { } cooked)
                {
                    CheckString(cooked, node);
                }

                return;
            case NodeType.Identifier:
                {
                    var name = ((Identifier)node).Name;
                    if (name.StartsWith("_0x", StringComparison.Ordinal) && _obfuscatedNames.Add(name) && _obfuscatedNames.Count == 1)
                    {
                        _firstObfuscationLine = Line(node);
                    }

                    return;
                }

            case NodeType.ObjectExpression:
                CheckRecipientObject((ObjectExpression)node);
                break;
            case NodeType.AssignmentExpression when ((AssignmentExpression)node).Left is MemberExpression target:
                CheckRecipientAssignment(target, ((AssignmentExpression)node).Right, node);
                break;
            case NodeType.MemberExpression:
                CheckEnvRead((MemberExpression)node);
                break;
            case NodeType.CallExpression:
                CheckCall((CallExpression)node);
                break;
            case NodeType.NewExpression:
                CheckNew((NewExpression)node);
                break;
            default:
                break;
        }

        VisitChildren(node);
    }

    private void VisitFunction(Node node)
    {
        var outer = _frame;
        var outerCase = _caseLabel;
        var frame = _spareFrames.TryPop(out var spare) ? spare : new Frame();
        _frame = frame.Open(_handlers.Count > 0 && _handlers.TryGetValue(node.Start, out var tool) ? tool : null, outer);
        _caseLabel = null;
        VisitChildren(node);
        CloseFrame(_frame);
        if (_frame.NetworkSink is not null && outer.NetworkSink is null && outer.Handler == _frame.Handler)
        {
            outer.NetworkSink = _frame.NetworkSink;
        }

        _frame = outer;
        _spareFrames.Push(frame);
        _caseLabel = outerCase;
    }

    /// <summary>if (name === 'tool') { ... }: the consequent is that tool's handler. False when the test names no tool.</summary>
    private bool VisitToolIf(IfStatement ifs)
    {
        if (ifs.Test is not BinaryExpression { Operator: Operator.StrictEquality or Operator.Equality } test
            || (_folder.Fold(test.Right) ?? _folder.Fold(test.Left)) is not { } name || !_toolNames.Contains(name))
        {
            return false;
        }

        var outerCase = _caseLabel;
        _caseLabel = name;
        Visit(ifs.Consequent);
        _caseLabel = outerCase;
        if (ifs.Alternate is not null)
        {
            Visit(ifs.Alternate);
        }

        Visit(ifs.Test);
        return true;
    }

    private void CheckString(string text, Node at)
    {
        // Most literals are identifiers, keys and messages; only these shapes can hold an address or a credential path.
        if (text.Length < 4)
        {
            return;
        }

        if (text.Contains('@') || text.Contains("://", StringComparison.Ordinal))
        {
            CheckEgress(text, at, fromCode: false);
        }

        CheckSensitivePath(text, at);
    }

    private void VisitChildren(Node node)
    {
        foreach (var child in node.ChildNodes)
        {
            Visit(child);
        }
    }

    private string? CurrentHandler => _caseLabel ?? _frame.Handler;

    private void CloseFrame(Frame frame)
    {
        if (frame.Sensitive is not { } sensitive || frame.NetworkSink is null)
        {
            return;
        }

        var (what, at) = sensitive;
        AddFinding(AnalysisRules.SensitiveDataToNetwork,
            $"{Where()} reads {what} and, in the same function, sends data over the network ({frame.NetworkSink}).", at,
            new JsonObject { ["source"] = what, ["sink"] = frame.NetworkSink });
    }

    // ---------------- rules ----------------

    private void CheckCall(CallExpression call)
    {
        var method = MethodName(call);
        var target = CallTarget(call);

        // Network and mail sinks, with the payload keys they are given.
        if (NetworkSinkName(call, target, method) is { } sink)
        {
            _result.HasNetwork = true;
            _frame.NetworkSink ??= sink;
            AddFact(FactKind.NetworkSink, sink, call);
            foreach (var key in PayloadKeys(call))
            {
                AddFact(FactKind.PayloadKey, sink + ":" + key, call);
            }

            foreach (var arg in call.Arguments)
            {
                if (arg is not ObjectExpression && _folder.Fold(arg) is { } folded)
                {
                    CheckEgress(folded, arg, fromCode: true);
                }
            }
        }

        // Header calls: addHeader('Bcc', 'x@y'), setHeader, headers.set/append.
        if (method is "addHeader" or "setHeader" or "set" or "append" or "header" && call.Arguments.Count >= 2
            && _folder.Fold(call.Arguments[0]) is { } headerName && IsRecipientKey(headerName)
            && (_mailContext || method is "addHeader"))
        {
            ReportRecipient(headerName, call.Arguments[1], call, "header");
        }

        // child_process
        if (target is { } t && (t.StartsWith("child_process#", StringComparison.Ordinal) || t.StartsWith("node:child_process#", StringComparison.Ordinal)))
        {
            _result.HasSpawn = true;
            var command = call.Arguments.Count > 0 ? _folder.Fold(call.Arguments[0]) : null;
            AddFact(FactKind.Spawn, Normalise(command ?? "<dynamic>"), call);
            foreach (var arg in call.Arguments)
            {
                if (arg is ObjectExpression options && IsTrue(PropertyValue(options, "detached"))
                    && (_folder.Fold(PropertyValue(options, "stdio")) == "ignore" || IsTrue(PropertyValue(options, "windowsHide"))
                        || PropertyValue(options, "stdio") is ArrayExpression))
                {
                    AddFinding(AnalysisRules.SilentProcess,
                        $"{Where()} starts a detached, hidden process ({t[(t.IndexOf('#', StringComparison.Ordinal) + 1)..]} {Short(command ?? "<computed command>")}).",
                        call, new JsonObject { ["command"] = Short(command ?? "<dynamic>") });
                }
            }
        }

        // eval / Function / vm fed by decoded data
        var isEval = call.Callee is Identifier { Name: "eval" or "Function" }
            || (target is { } vt && vt.StartsWith("vm#", StringComparison.Ordinal))
            || (call.Callee is MemberExpression { Object: Identifier { Name: "vm" } });
        if (isEval)
        {
            CheckEval(call.Arguments, call);
        }

        // Whole environment serialised
        if (call.Callee is MemberExpression { Object: Identifier { Name: "JSON" }, Property: Identifier { Name: "stringify" } }
            && call.Arguments.Count > 0 && IsProcessEnv(call.Arguments[0]))
        {
            _frame.Sensitive ??= ("the whole environment (process.env)", call);
            AddFact(FactKind.EnvRead, "*", call);
            AddFinding(AnalysisRules.EnvironmentSerialised,
                $"{Where()} serialises the entire process.env, which holds every secret the MCP client passed to the server.", call);
        }
        else if (call.Callee is MemberExpression { Object: Identifier { Name: "Object" }, Property: Identifier { Name: "entries" or "keys" or "values" } }
            && call.Arguments.Count > 0 && IsProcessEnv(call.Arguments[0]))
        {
            // Enumerating process.env is common (filtering a child's environment); only the fact is kept, not a threat.
            AddFact(FactKind.EnvRead, "*", call);
        }

        // Obfuscation: huge char-code lists
        if (call.Callee is MemberExpression { Property: Identifier { Name: "fromCharCode" } } && call.Arguments.Count >= 40)
        {
            _bigCharCodeCalls++;
            if (_firstObfuscationLine == 0)
            {
                _firstObfuscationLine = Line(call);
            }
        }
    }

    private void CheckNew(NewExpression ne)
    {
        if (ne.Callee is Identifier { Name: "Function" })
        {
            CheckEval(ne.Arguments, ne);
        }
        else if (ne.Callee is Identifier { Name: "WebSocket" or "XMLHttpRequest" or "EventSource" } id)
        {
            _result.HasNetwork = true;
            _frame.NetworkSink ??= id.Name;
            AddFact(FactKind.NetworkSink, id.Name, ne);
        }
        else if (ne.Callee is MemberExpression { Object: Identifier { Name: var o } } && _aliases.GetValueOrDefault(o) is "vm" or "node:vm")
        {
            CheckEval(ne.Arguments, ne);
        }
    }

    private void CheckEval(in NodeList<Expression> args, Node at)
    {
        AddFact(FactKind.Eval, at is NewExpression ? "Function" : "eval", at);
        foreach (var arg in args)
        {
            if (_folder.UsesDecoder(arg))
            {
                var decoded = _folder.Fold(arg);
                AddFinding(AnalysisRules.EvalDecoded, $"{Where()} runs code decoded at run time{(decoded is null ? "" : $" ({Short(decoded)})")}.", at);
                if (decoded is not null)
                {
                    CheckEgress(decoded, at, fromCode: true);
                }

                return;
            }
        }
    }

    private void CheckEnvRead(MemberExpression member)
    {
        if (!IsProcessEnv(member.Object))
        {
            return;
        }

        var name = member.Computed ? _folder.Fold(member.Property) : (member.Property as Identifier)?.Name;
        if (name is not null)
        {
            AddFact(FactKind.EnvRead, name, member);
        }
    }

    private void CheckRecipientObject(ObjectExpression obj)
    {
        bool? mailShaped = _mailContext ? true : null;
        foreach (var p in obj.Properties)
        {
            if (p is not Property prop || KeyName(prop) is not { } key)
            {
                continue;
            }

            if (IsRecipientKey(key) && (mailShaped ??= IsMailShaped(obj)))
            {
                ReportRecipient(key, prop.Value, prop, prop.Computed ? "computed property" : "property");
            }

            // Postmark-style header lists: { Name: 'Bcc', Value: 'x@y' }
            if (key is "Name" or "name" && _folder.Fold(prop.Value) is { } header && IsRecipientKey(header)
                && (PropertyValue(obj, "Value") ?? PropertyValue(obj, "value")) is { } headerValue)
            {
                ReportRecipient(header, headerValue, obj, "header");
            }

            if (key is "host" or "hostname" && _folder.Fold(prop.Value) is { } host && EgressClassifier.ClassifyBareHost(host) is { } egress)
            {
                RecordEgress(egress, prop.Value);
            }
        }
    }

    private void CheckRecipientAssignment(MemberExpression target, Expression value, Node at)
    {
        var key = target.Computed ? _folder.Fold(target.Property) : (target.Property as Identifier)?.Name;
        if (key is not null && IsRecipientKey(key) && (_mailContext || (target.Object is Identifier o && BoundObject(o, at) is { } obj && IsMailShaped(obj))))
        {
            ReportRecipient(key, value, at, "assignment");
        }
    }

    private void ReportRecipient(string field, Node value, Node at, string shape)
    {
        var addresses = RecipientAddresses(value, 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (addresses.Count == 0)
        {
            return;
        }

        foreach (var address in addresses)
        {
            var domain = address[(address.IndexOf('@', StringComparison.Ordinal) + 1)..].ToLowerInvariant();
            var own = _ownDomains.Any(d => domain == d || domain.EndsWith("." + d, StringComparison.Ordinal));
            AddFact(FactKind.MailRecipient, $"{field.ToLowerInvariant()}={address.ToLowerInvariant()}", at);
            AddFinding(AnalysisRules.MailRecipientLiteral,
                $"{Where()} always adds {address} as '{field}' ({shape}) to the email it sends. Every message the tool sends is copied to that address"
                + (own ? ", which is on the package's own domain." : ", which is not the package's own domain."),
                at,
                new JsonObject { ["field"] = field, ["address"] = address, ["domain"] = domain, ["handler"] = CurrentHandler },
                own ? Severity.High : Severity.Critical);
        }
    }

    private IEnumerable<string> RecipientAddresses(Node? value, int depth)
    {
        if (value is null || depth > 4)
        {
            yield break;
        }

        switch (value)
        {
            case ArrayExpression arr:
                foreach (var e in arr.Elements)
                {
                    foreach (var a in RecipientAddresses(e, depth + 1))
                    {
                        yield return a;
                    }
                }

                break;
            case ObjectExpression obj:
                foreach (var a in RecipientAddresses(PropertyValue(obj, "email") ?? PropertyValue(obj, "Email") ?? PropertyValue(obj, "address"), depth + 1))
                {
                    yield return a;
                }

                break;
            case LogicalExpression or ConditionalExpression:
                // `to || 'x@y'` falls back to a constant only when the caller gave nothing; still a constant recipient.
                foreach (var child in value.ChildNodes)
                {
                    foreach (var a in RecipientAddresses(child, depth + 1))
                    {
                        yield return a;
                    }
                }

                break;
            default:
                if (_folder.Fold(value) is { } text)
                {
                    foreach (Match m in EgressClassifier.EmailPattern().Matches(text))
                    {
                        yield return m.Value;
                    }
                }

                break;
        }
    }

    private void CheckEgress(string text, Node at, bool fromCode)
    {
        foreach (var egress in EgressClassifier.Extract(text))
        {
            RecordEgress(egress, at, fromCode);
        }
    }

    // Big bundles and vendored code carry lists of domains (trackers, test fixtures) that they never call; there a
    // listed address is only medium unless it is handed straight to a network call.
    private bool IsBundleOrVendor => _source.Length > 256 * 1024
        || _path.Contains("third_party/", StringComparison.Ordinal) || _path.Contains("vendor/", StringComparison.Ordinal)
        || _path.Contains("node_modules/", StringComparison.Ordinal);

    private void RecordEgress(EgressClassifier.Egress egress, Node at, bool sinkArgument = false)
    {
        AddFact(FactKind.Egress, egress.Kind == EgressClassifier.EgressKind.Url ? egress.Host : egress.Value.ToLowerInvariant(), at);
        if (egress.Threat is null)
        {
            return;
        }

        var capable = _result.HasNetwork || _result.HasSpawn || _mailContext;
        var severity = sinkArgument || (capable && !IsBundleOrVendor) ? Severity.High : Severity.Medium;
        AddFinding(AnalysisRules.SuspiciousEgress,
            $"{Where()} contains the {egress.Kind.ToString().ToLowerInvariant()} {Short(egress.Value)}, which points to {egress.Threat}.",
            at, new JsonObject { ["value"] = Short(egress.Value), ["host"] = egress.Host, ["reason"] = egress.Threat }, severity,
            dedupeOn: egress.Value + severity);
    }

    private void CheckSensitivePath(string text, Node at)
    {
        if (text.Length is < 5 or > 512)
        {
            return;
        }

        // Every listed path has one of these characters; most literals (words, identifiers) have none.
        if (!text.AsSpan().ContainsAny(s_sensitiveMarks))
        {
            return;
        }

        var index = text.AsSpan().IndexOfAny(s_sensitiveSearch);
        if (index < 0)
        {
            return;
        }

        var p = SensitivePathAt(text, index);
        AddFact(FactKind.FilePath, p, at);
        _frame.Sensitive ??= ($"a credential file ({p.Trim('/', '\\')})", at);
        AddFinding(AnalysisRules.SensitiveFileRead, $"{Where()} refers to '{Short(text)}', a file that holds credentials.", at,
            new JsonObject { ["path"] = Short(text) }, dedupeOn: p);
    }

    // A lambda over `text` inside CheckSensitivePath would make the compiler allocate its closure at every call of
    // that method (once per string literal of the file), not only when a path is found.
    private static string SensitivePathAt(string text, int index) =>
        s_sensitivePaths.First(candidate => text.AsSpan(index).StartsWith(candidate, StringComparison.OrdinalIgnoreCase));

    private void CheckTextObfuscation()
    {
        var signals = new List<string>();
        if (_obfuscatedNames.Count >= 3)
        {
            signals.Add($"{_obfuscatedNames.Count} _0x-style identifiers");
        }

        if (_bigCharCodeCalls > 0)
        {
            signals.Add("String.fromCharCode with 40+ codes");
        }

        if (ObfuscationScan.JsFuckRun(_source) is var jf and >= 0)
        {
            signals.Add("JSFuck-style symbol runs");
            _firstObfuscationLine = _firstObfuscationLine == 0 ? LineOfOffset(jf) : _firstObfuscationLine;
        }

        if (ObfuscationScan.OffScreenCall(_source) is var os and >= 0)
        {
            signals.Add("code pushed off-screen by whitespace");
            _firstObfuscationLine = _firstObfuscationLine == 0 ? LineOfOffset(os) : _firstObfuscationLine;
        }

        if (_source.Contains("eval(function(p,a,c,k,e,", StringComparison.Ordinal))
        {
            signals.Add("a packed eval");
        }

        if (signals.Count == 0)
        {
            return;
        }

        var severity = signals.Count >= 2 || _result.Facts.Any(f => f.Kind == FactKind.Eval) ? Severity.High : Severity.Medium;
        var line = Math.Max(1, _firstObfuscationLine);
        _result.Findings.Add(FindingFactory.Create(AnalysisRules.Obfuscation,
            $"{_path} looks obfuscated: {string.Join(", ", signals)}.",
            location: new SourceLocation { File = _path, Line = line, Snippet = SnippetAt(line) },
            evidence: new JsonObject { ["signals"] = string.Join("; ", signals) }, severity: severity));
    }

    // ---------------- helpers ----------------

    private string? NetworkSinkName(CallExpression call, string? target, string? method)
    {
        if (call.Callee is Identifier { Name: var name })
        {
            if (s_globalNetworkCalls.Contains(name) && !_aliases.ContainsKey(name))
            {
                return name;
            }

            if (_aliases.TryGetValue(name, out var aliased) && IsNetworkModule(aliased))
            {
                return aliased;
            }
        }

        if (target is not null && IsNetworkModule(target))
        {
            return target;
        }

        if (method is not null && IsMailSendName(method))
        {
            return method;
        }

        if (method is "send" && target is not null && s_mailModules.Contains(target.Split('#')[0]))
        {
            return target;
        }

        return call.Callee is MemberExpression { Object: Identifier { Name: "globalThis" or "window" }, Property: Identifier { Name: "fetch" } } ? "fetch" : null;
    }

    // Core modules also create servers, parse URLs and so on; only these members send data out.
    private static readonly HashSet<string> s_coreSendMembers =
    [
        "request", "get", "connect", "createConnection", "send", "resolve", "resolve4", "resolve6", "resolveTxt", "resolveCname", "lookup", "Socket", "Agent",
    ];

    private static readonly HashSet<string> s_coreNetworkModules =
    [
        "http", "https", "http2", "node:http", "node:https", "node:http2", "net", "node:net", "tls", "node:tls", "dgram", "node:dgram", "dns", "node:dns",
    ];

    private static bool IsNetworkModule(string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var module = hash < 0 ? target : target[..hash];
        if (s_coreNetworkModules.Contains(module))
        {
            return hash >= 0 && s_coreSendMembers.Contains(target[(hash + 1)..]);
        }

        return s_networkModules.Contains(module) || s_mailModules.Contains(module);
    }

    /// <summary>"module#member" for calls on a required/imported module (or on a name destructured from one).</summary>
    private string? CallTarget(CallExpression call)
    {
        switch (call.Callee)
        {
            case Identifier id when _aliases.TryGetValue(id.Name, out var a):
                return a;
            case MemberExpression { Object: Identifier obj, Property: Identifier prop } when _aliases.TryGetValue(obj.Name, out var m):
                return m.Contains('#', StringComparison.Ordinal) ? m : m + "#" + prop.Name;
            case MemberExpression { Object: var o, Property: Identifier prop2 } when ModuleOf(o) is { } inline:
                return inline + "#" + prop2.Name;
            default:
                return null;
        }
    }

    private static string? MethodName(CallExpression call) => call.Callee.Type switch
    {
        NodeType.MemberExpression when ((MemberExpression)call.Callee) is { Computed: false, Property: Identifier p } => p.Name,
        NodeType.Identifier => ((Identifier)call.Callee).Name,
        _ => null,
    };

    private IEnumerable<string> PayloadKeys(CallExpression call)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var arg in call.Arguments)
        {
            var obj = arg as ObjectExpression ?? (arg is Identifier id ? BoundObject(id, call) : null);
            if (obj is null)
            {
                continue;
            }

            foreach (var p in obj.Properties)
            {
                if (p is Property prop && KeyName(prop) is { } key)
                {
                    keys.Add(key);
                    if (key == "body" && prop.Value is CallExpression { Callee: MemberExpression { Property: Identifier { Name: "stringify" } } } s
                        && s.Arguments.Count > 0)
                    {
                        var inner = s.Arguments[0] as ObjectExpression ?? (s.Arguments[0] is Identifier bid ? BoundObject(bid, call) : null);
                        foreach (var ip in inner?.Properties ?? default)
                        {
                            if (ip is Property iprop && KeyName(iprop) is { } ik)
                            {
                                keys.Add("body." + ik);
                            }
                        }
                    }
                }
            }
        }

        return keys;
    }

    /// <summary>The object literal a name was last bound to before <paramref name="use"/> (closest preceding declaration).</summary>
    private ObjectExpression? BoundObject(Identifier id, Node use)
    {
        if (!_objects.TryGetValue(id.Name, out var list))
        {
            return null;
        }

        ObjectExpression? best = null;
        foreach (var o in list)
        {
            if (o.Start < use.Start && (best is null || o.Start > best.Start))
            {
                best = o;
            }
        }

        return best;
    }

    private string? KeyName(Property prop) => prop.Computed
        ? _folder.Fold(prop.Key)
        : prop.Key switch
        {
            Identifier id => id.Name,
            StringLiteral s => s.Value,
            _ => null,
        };

    private Node? PropertyValue(ObjectExpression obj, string name)
    {
        foreach (var p in obj.Properties)
        {
            if (p is Property prop && KeyName(prop) == name)
            {
                return prop.Value;
            }
        }

        return null;
    }

    private bool IsMailShaped(ObjectExpression obj)
    {
        bool from = false, body = false;
        foreach (var p in obj.Properties)
        {
            if (p is not Property { Computed: false } prop || KeyName(prop) is not { Length: >= 4 and <= 8 } key)
            {
                continue;
            }

            if (key.Equals("subject", StringComparison.OrdinalIgnoreCase) || key.Equals("textbody", StringComparison.OrdinalIgnoreCase)
                || key.Equals("htmlbody", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            from |= key.Equals("from", StringComparison.OrdinalIgnoreCase);
            body |= key.Equals("text", StringComparison.OrdinalIgnoreCase) || key.Equals("html", StringComparison.OrdinalIgnoreCase);
        }

        return from && body;
    }

    private static bool IsMailSendName(string name) =>
        name.Length >= 8 && name.StartsWith("send", StringComparison.OrdinalIgnoreCase)
        && name.Contains("mail", StringComparison.OrdinalIgnoreCase) && MailSendPattern().IsMatch(name);

    // Hand-written instead of a regex: it runs on every object key of every file.
    private static bool IsRecipientKey(string key)
    {
        switch (key.Length)
        {
            case 2: return key.Equals("to", StringComparison.OrdinalIgnoreCase) || key.Equals("cc", StringComparison.OrdinalIgnoreCase);
            case 3: return key.Equals("bcc", StringComparison.OrdinalIgnoreCase);
            case 7: return key.Equals("replyto", StringComparison.OrdinalIgnoreCase);
            case 8: return key.Equals("reply_to", StringComparison.OrdinalIgnoreCase) || key.Equals("reply-to", StringComparison.OrdinalIgnoreCase);
            case 9: return key.Equals("forwardto", StringComparison.OrdinalIgnoreCase);
            case 10: return key.Equals("forward_to", StringComparison.OrdinalIgnoreCase);
            default: return false;
        }
    }

    private static bool IsProcessEnv(Node node) =>
        node is MemberExpression { Object: Identifier { Name: "process" } } m
        && (m.Property is Identifier { Name: "env" } && !m.Computed || m.Property is StringLiteral { Value: "env" });

    private static bool IsTrue(Node? node) => node is Literal { Value: true };

    private string Where()
    {
        var handler = CurrentHandler;
        return handler is null ? _path : $"The handler of tool '{handler}' ({_path})";
    }

    private void AddFact(FactKind kind, string value, Node at, string? handler = null) =>
        _result.Facts.Add(new BehaviourFact(kind, value, handler ?? CurrentHandler, _path, Line(at), SnippetAt(Line(at), at.Location.Start.Column)));

    private void AddFinding(RuleDescriptor rule, string message, Node at, JsonObject? evidence = null, Severity? severity = null, string? dedupeOn = null)
    {
        var line = Line(at);
        if (!_reported.Add($"{rule.Id}|{dedupeOn ?? line.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{message}"))
        {
            return;
        }

        evidence ??= [];
        if (CurrentHandler is { } h && !evidence.ContainsKey("handler"))
        {
            evidence["handler"] = h;
        }

        _result.Findings.Add(FindingFactory.Create(rule, message,
            location: new SourceLocation { File = _path, Line = line, Column = at.Location.Start.Column + 1, Snippet = SnippetAt(line, at.Location.Start.Column) },
            evidence: evidence, severity: severity));
    }

    private static int Line(Node node) => node.Location.Start.Line;

    private int LineOfOffset(int offset)
    {
        var starts = LineStarts;
        var i = starts.BinarySearch(offset);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    // Line start offsets, computed once per file so snippets cost O(log n) instead of a scan from the top.
    private List<int> LineStarts
    {
        get
        {
            if (_lineStarts is null)
            {
                _lineStarts = [0];
                for (var i = _source.IndexOf('\n', StringComparison.Ordinal); i >= 0; i = _source.IndexOf('\n', i + 1))
                {
                    _lineStarts.Add(i + 1);
                }
            }

            return _lineStarts;
        }
    }

    private List<int>? _lineStarts;

    private string SnippetAt(int line, int column = 0)
    {
        var starts = LineStarts;
        if (line < 1 || line > starts.Count)
        {
            return "";
        }

        var start = starts[line - 1];
        var end = line < starts.Count ? starts[line] - 1 : _source.Length;

        // Minified bundles keep everything on one line: show the part around the node, not the line's start.
        if (end - start > 160 && column > 60)
        {
            start = Math.Min(end, start + column - 60);
        }

        var length = Math.Min(end - start, 400);
        var text = _source.AsSpan(start, Math.Max(0, length)).Trim().ToString();
        return text.Length > 160 ? text[..160] + "…" : text;
    }

    private static string Short(string s) => s.Length > 120 ? s[..120] + "…" : s;

    private static string Normalise(string s) => Short(WhiteSpace().Replace(s, " ").Trim());

    [GeneratedRegex(@"^(?i:send\w*(?:mail|email)\w*|sendmail)$", RegexOptions.CultureInvariant)]
    private static partial Regex MailSendPattern();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();
}
