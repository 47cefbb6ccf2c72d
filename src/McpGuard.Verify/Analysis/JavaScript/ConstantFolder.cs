using System.Text;
using Acornima;
using Acornima.Ast;

namespace McpGuard.Verify.Analysis.JavaScript;

/// <summary>
/// Folds simple constant string expressions so that an address hidden by concatenation, join, a template,
/// base64 (Buffer.from/atob), String.fromCharCode or a const variable is still seen. Depth-bounded; anything
/// dynamic folds to null.
/// </summary>
internal sealed class ConstantFolder(IReadOnlyDictionary<string, Expression> constants)
{
    private const int MaxDepth = 24;
    private const int MaxLength = 64 * 1024;

    public string? Fold(Node? node) => Fold(node, 0);

    /// <summary>True when the expression uses a run-time decoder (base64, char codes, URI decoding) anywhere inside.</summary>
    public bool UsesDecoder(Node? node, int depth = 0)
    {
        if (node is null || depth > MaxDepth)
        {
            return false;
        }

        if (node is CallExpression call && IsDecoderCall(call))
        {
            return true;
        }

        if (node is Identifier id && constants.TryGetValue(id.Name, out var bound))
        {
            return UsesDecoder(bound, depth + 1);
        }

        foreach (var child in node.ChildNodes)
        {
            if (child is not IFunction && UsesDecoder(child, depth + 1))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDecoderCall(CallExpression call) => call.Callee switch
    {
        Identifier { Name: "atob" or "unescape" or "decodeURIComponent" } => true,
        MemberExpression { Object: Identifier { Name: "String" }, Property: Identifier { Name: "fromCharCode" or "fromCodePoint" } } => true,
        MemberExpression { Object: Identifier { Name: "Buffer" }, Property: Identifier { Name: "from" } } when call.Arguments.Count >= 2 => true,
        _ => false,
    };

    private string? Fold(Node? node, int depth)
    {
        if (node is null || depth > MaxDepth)
        {
            return null;
        }

        switch (node)
        {
            case StringLiteral s:
                return s.Value;
            case Literal { Value: double d }:
                return d.ToString(System.Globalization.CultureInfo.InvariantCulture);
            case TemplateLiteral t:
                {
                    var sb = new StringBuilder();
                    for (var i = 0; i < t.Quasis.Count; i++)
                    {
                        sb.Append(t.Quasis[i].Value.Cooked);
                        if (i < t.Expressions.Count)
                        {
                            var part = Fold(t.Expressions[i], depth + 1);
                            if (part is null)
                            {
                                return null;
                            }

                            sb.Append(part);
                        }
                    }

                    return Cap(sb.ToString());
                }

            case BinaryExpression { Operator: Operator.Addition } b:
                {
                    var l = Fold(b.Left, depth + 1);
                    var r = l is null ? null : Fold(b.Right, depth + 1);
                    return l is null || r is null ? null : Cap(l + r);
                }

            case Identifier id:
                return constants.TryGetValue(id.Name, out var bound) ? Fold(bound, depth + 1) : null;
            case CallExpression call:
                return FoldCall(call, depth);
            default:
                return null;
        }
    }

    private string? FoldCall(CallExpression call, int depth)
    {
        var args = call.Arguments;
        switch (call.Callee)
        {
            case Identifier { Name: "atob" } when args.Count == 1:
                return Base64(Fold(args[0], depth + 1));
            case Identifier { Name: "decodeURIComponent" or "unescape" } when args.Count == 1:
                {
                    var v = Fold(args[0], depth + 1);
                    try
                    {
                        return v is null ? null : Uri.UnescapeDataString(v);
                    }
                    catch (UriFormatException)
                    {
                        return null;
                    }
                }

            case Identifier { Name: "String" } when args.Count == 1:
                return Fold(args[0], depth + 1);
            case MemberExpression { Object: Identifier { Name: "String" }, Property: Identifier { Name: "fromCharCode" or "fromCodePoint" } }:
                {
                    var sb = new StringBuilder();
                    foreach (var a in args)
                    {
                        if (a is not Literal { Value: double d } || d < 0 || d > 0x10FFFF)
                        {
                            return null;
                        }

                        sb.Append(char.ConvertFromUtf32((int)d is >= 0xD800 and <= 0xDFFF ? 0xFFFD : (int)d));
                    }

                    return sb.ToString();
                }

            case MemberExpression { Computed: false, Property: Identifier { Name: var method } } member:
                return method switch
                {
                    "join" => Join(member.Object, args, depth),
                    "toString" => BufferToString(member.Object, args, depth),
                    "concat" => Concat(member.Object, args, depth),
                    "trim" when args.Count == 0 => Fold(member.Object, depth + 1)?.Trim(),
                    "toLowerCase" when args.Count == 0 => Fold(member.Object, depth + 1)?.ToLowerInvariant(),
                    "reverse" when args.Count == 0 => null,
                    _ => null,
                };
            default:
                return null;
        }
    }

    private string? Join(Expression target, in NodeList<Expression> args, int depth)
    {
        var separator = args.Count == 0 ? "," : Fold(args[0], depth + 1);
        if (separator is null)
        {
            return null;
        }

        // ['a','b'].join('') and 'abc'.split('').reverse().join('') style
        if (target is ArrayExpression arr)
        {
            var parts = new List<string>();
            foreach (var e in arr.Elements)
            {
                var v = Fold(e, depth + 1);
                if (v is null)
                {
                    return null;
                }

                parts.Add(v);
            }

            return Cap(string.Join(separator, parts));
        }

        if (target is CallExpression { Callee: MemberExpression { Property: Identifier { Name: "reverse" }, Object: CallExpression { Callee: MemberExpression { Property: Identifier { Name: "split" }, Object: var source }, Arguments: var splitArgs } } }
            && splitArgs.Count == 1 && Fold(splitArgs[0], depth + 1) == "" && Fold(source, depth + 1) is { } text)
        {
            var chars = text.ToCharArray();
            Array.Reverse(chars);
            return string.Join(separator, chars.Select(c => c.ToString()));
        }

        return null;
    }

    private string? Concat(Expression target, in NodeList<Expression> args, int depth)
    {
        var sb = new StringBuilder(Fold(target, depth + 1) ?? "\0");
        if (sb.Length == 1 && sb[0] == '\0')
        {
            return null;
        }

        foreach (var a in args)
        {
            var v = Fold(a, depth + 1);
            if (v is null)
            {
                return null;
            }

            sb.Append(v);
        }

        return Cap(sb.ToString());
    }

    // Buffer.from(CONST, 'base64' | 'hex').toString([...])
    private string? BufferToString(Expression target, in NodeList<Expression> args, int depth)
    {
        if (target is not CallExpression { Callee: MemberExpression { Object: Identifier { Name: "Buffer" }, Property: Identifier { Name: "from" } } } from
            || from.Arguments.Count == 0)
        {
            return Fold(target, depth + 1);
        }

        var data = Fold(from.Arguments[0], depth + 1);
        var encoding = from.Arguments.Count > 1 ? Fold(from.Arguments[1], depth + 1) : "utf8";
        if (data is null || encoding is null || (args.Count > 0 && Fold(args[0], depth + 1) is not ("utf8" or "utf-8" or "ascii" or "latin1")))
        {
            return null;
        }

        return encoding.ToLowerInvariant() switch
        {
            "base64" or "base64url" => Base64(data),
            "hex" => Hex(data),
            "utf8" or "utf-8" or "ascii" or "latin1" => data,
            _ => null,
        };
    }

    private static string? Base64(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var s = text.Trim().Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        var bytes = new byte[s.Length];
        return Convert.TryFromBase64String(s, bytes, out var n) ? Encoding.UTF8.GetString(bytes, 0, n) : null;
    }

    private static string? Hex(string text)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromHexString(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? Cap(string s) => s.Length > MaxLength ? null : s;
}
