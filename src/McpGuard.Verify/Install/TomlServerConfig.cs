using McpGuard.Verify.Discovery;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace McpGuard.Verify.Install;

/// <summary>
/// Codex's TOML config opened for editing. Tomlyn's lossless syntax tree locates the <c>command</c> and <c>args</c>
/// values of each <c>[mcp_servers.NAME]</c> table (and of each inline table under <c>[mcp_servers]</c>); a change is
/// spliced into the original text at those values' spans only, so comments, key order, formatting and every other
/// key survive byte for byte. Array changes keep the untouched items' text too: wrapping inserts items before the
/// first one, unwrapping deletes the inserted ones, pinning replaces the one item, and the args key install adds to a
/// server without one is removed again, so undo restores the exact bytes.
/// </summary>
internal sealed class TomlServerConfig : IServerConfigFile
{
    private const string ServersKey = "mcp_servers";

    private readonly string _path;
    private readonly string _text;
    private readonly DocumentSyntax _document;
    private readonly TomlTable _model;
    private readonly List<TextEdit> _edits = [];

    private TomlServerConfig(string path, string text, DocumentSyntax document, TomlTable model) =>
        (_path, _text, _document, _model) = (path, text, document, model);

    /// <summary>The parsed file, or null (and a note naming the file and line) when it is not valid TOML.</summary>
    public static TomlServerConfig? Open(string path, string text, ICollection<string> notes)
    {
        var document = SyntaxParser.Parse(text, path, validate: true);
        if (document.HasErrors)
        {
            // Fail closed: a file we cannot parse is never rewritten.
            var error = document.Diagnostics.FirstOrDefault(d => d.Kind == DiagnosticMessageKind.Error);
            var line = error is null ? 1 : error.Span.Start.Line + 1;
            notes.Add($"{path}:{line}: not valid TOML, left unchanged{(error is null ? "" : $": {TomlErrorText.Describe(error.Message)}")}");
            return null;
        }

        TomlTable model;
        try
        {
            // The model (the reader's view, see CodexConfig) says which servers exist however they are written.
            model = TomlSerializer.Deserialize(text, CodexTomlContext.Default.TomlTable) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            notes.Add($"{path}:{ex.Line}: not valid TOML, left unchanged: {TomlErrorText.Describe(ex.Message)}");
            return null;
        }

        return new TomlServerConfig(path, text, document, model);
    }

    public IEnumerable<EditableServer> Servers(ICollection<string> notes)
    {
        var located = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, entry) in Entries())
        {
            located.Add(name);
            if (Find(entry.Items, "command") is not { } commandKv)
            {
                continue; // remote servers (url) have no process to launch
            }

            var argsKv = Find(entry.Items, "args");
            if (Launch(commandKv, argsKv) is { } found)
            {
                var launch = found with { EnvNames = EnvNames(name) };
                yield return new EditableServer(name, launch, after => Apply(entry, commandKv, argsKv, launch, after));
            }
            else
            {
                notes.Add(ClientConfigEditor.NotPlainStrings(_path, name));
            }
        }

        // Dotted keys (mcp_servers.x.command = ...) or an inline table outside [mcp_servers] are valid TOML but have no
        // single value span to splice; fail closed and say so rather than rewrite the file in another shape.
        if (_model.TryGetValue(ServersKey, out var servers) && servers is TomlTable table)
        {
            foreach (var (name, value) in table)
            {
                if (!located.Contains(name) && value is TomlTable t && t.ContainsKey("command"))
                {
                    notes.Add($"{_path}: server '{name}' is written with dotted keys or an inline table outside [{ServersKey}]; it was left unchanged (write it as a [{ServersKey}.{name}] table to let mcpguard rewrite it)");
                }
            }
        }
    }

    public string Render()
    {
        var text = _text;
        foreach (var edit in _edits.OrderByDescending(e => e.Offset))
        {
            text = string.Concat(text.AsSpan(0, edit.Offset), edit.Text, text.AsSpan(edit.Offset + edit.Length));
        }

        return text;
    }

    /// <summary>Every server entry the syntax tree spells as a table (or an inline table inside <c>[mcp_servers]</c>).</summary>
    private IEnumerable<(string Name, Entry Entry)> Entries()
    {
        foreach (var table in _document.Tables.OfType<TableSyntax>())
        {
            var key = KeyPath(table.Name);
            if (key.Count == 2 && key[0] == ServersKey)
            {
                yield return (key[1], new Entry([.. table.Items], Inline: false));
            }
            else if (key.Count == 1 && key[0] == ServersKey)
            {
                foreach (var kv in table.Items)
                {
                    if (KeyPath(kv.Key) is [var name] && kv.Value is InlineTableSyntax inline)
                    {
                        yield return (name, new Entry([.. inline.Items.Select(i => i.KeyValue!)], Inline: true));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The variables Codex sets or forwards for the server: the keys of its <c>env</c> table (however it is written:
    /// inline, <c>[mcp_servers.NAME.env]</c>, dotted keys) and the names of its <c>env_vars</c> list. Names only.
    /// </summary>
    private List<string> EnvNames(string server)
    {
        var names = new List<string>();
        if (_model.TryGetValue(ServersKey, out var servers) && servers is TomlTable table && table.TryGetValue(server, out var entry) && entry is TomlTable t)
        {
            if (t.TryGetValue("env", out var env) && env is TomlTable map)
            {
                names.AddRange(map.Keys);
            }

            if (t.TryGetValue("env_vars", out var forwarded) && forwarded is TomlArray list)
            {
                names.AddRange(list.OfType<string>());
            }
        }

        return names;
    }

    private static ServerLaunch? Launch(KeyValueSyntax commandKv, KeyValueSyntax? argsKv)
    {
        if (commandKv.Value is not StringValueSyntax command)
        {
            return null;
        }

        if (argsKv is null)
        {
            return new ServerLaunch(command.Value ?? "", []);
        }

        if (argsKv.Value is not ArraySyntax array || array.Items.Any(i => i.Value is not StringValueSyntax))
        {
            return null;
        }

        return new ServerLaunch(command.Value ?? "", [.. array.Items.Select(i => ((StringValueSyntax)i.Value!).Value ?? "")]);
    }

    private void Apply(Entry entry, KeyValueSyntax commandKv, KeyValueSyntax? argsKv, ServerLaunch before, ServerLaunch after)
    {
        if (after.Command != before.Command)
        {
            Replace(commandKv.Value!, Quote(after.Command));
        }

        if (argsKv is null)
        {
            if (after.Args.Count > 0)
            {
                AddArgs(entry, commandKv, after.Args);
            }

            return;
        }

        if (after.Args.Count == 0 && before.Args.Count > 0 && AddedArgs(entry, commandKv, argsKv) is { } added)
        {
            // Undo on a server that had no args before install: the key sits exactly as AddArgs wrote it, so removing
            // it gives back the original bytes. A hand-written args key in that very place goes too (the same launch).
            _edits.Add(added);
            return;
        }

        var array = (ArraySyntax)argsKv.Value!;
        EditArray(array, [.. array.Items], before.Args, after.Args);
    }

    /// <summary>The removal of an args key written exactly where and as <see cref="AddArgs"/> writes one, else null.</summary>
    private TextEdit? AddedArgs(Entry entry, KeyValueSyntax commandKv, KeyValueSyntax argsKv)
    {
        var from = entry.Inline ? End(commandKv.Value!) : End(commandKv);
        var value = argsKv.Value!.Span.Offset;
        var between = value >= from ? _text[from..value] : null;
        var written = entry.Inline ? between == ", args = " : between == "args = ";
        var to = entry.Inline ? End(argsKv.Value!) : End(argsKv);
        if (written && !entry.Inline && argsKv.EndOfLineToken is null && commandKv.EndOfLineToken?.Text == "\n")
        {
            from--; // the file ended after the command: AddArgs wrote "\nargs = [...]" there
        }

        return written ? new TextEdit(from, to - from, "") : null;
    }

    private void EditArray(ArraySyntax array, IReadOnlyList<ArrayItemSyntax> items, IReadOnlyList<string> old, IReadOnlyList<string> now) =>
        _edits.AddRange(ArraySplice.Edits([.. items.Select(i => Span(i.Value!))], Span(array), old, now, Quote));

    private void AddArgs(Entry entry, KeyValueSyntax commandKv, IReadOnlyList<string> args)
    {
        if (entry.Inline)
        {
            _edits.Add(new TextEdit(End(commandKv.Value!), 0, $", args = {RenderArray(args)}"));
        }
        else if (commandKv.EndOfLineToken is { } eol)
        {
            // The new key goes on its own line right after command, with the file's own line ending.
            _edits.Add(new TextEdit(End(commandKv), 0, $"args = {RenderArray(args)}{eol.Text}"));
        }
        else
        {
            _edits.Add(new TextEdit(End(commandKv), 0, $"\nargs = {RenderArray(args)}"));
        }
    }

    private void Replace(SyntaxNode node, string text) => _edits.Add(new TextEdit(node.Span.Offset, node.Span.Length, text));

    private static int End(SyntaxNode node) => node.Span.Offset + node.Span.Length;

    private static (int Start, int End) Span(SyntaxNode node) => (node.Span.Offset, End(node));

    private static KeyValueSyntax? Find(IReadOnlyList<KeyValueSyntax> items, string key) =>
        items.FirstOrDefault(kv => KeyPath(kv.Key) is [var k] && k == key);

    private static List<string> KeyPath(KeySyntax? key)
    {
        var path = new List<string>();
        if (key?.Key is { } first)
        {
            path.Add(KeyName(first));
            foreach (var dotted in key.DotKeys)
            {
                path.Add(dotted.Key is { } k ? KeyName(k) : "");
            }
        }

        return path;
    }

    private static string KeyName(BareKeyOrStringValueSyntax key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };

    // Tomlyn writes a basic string with TOML's escapes; a fresh node carries no trivia, so this is the value alone.
    private static string Quote(string value) => new StringValueSyntax(value).ToString();

    private static string RenderArray(IReadOnlyList<string> items) => ArraySplice.OneLine(items, Quote);

    /// <summary>A server entry's key/values (of its table, or of its inline table).</summary>
    private sealed record Entry(IReadOnlyList<KeyValueSyntax> Items, bool Inline);
}
