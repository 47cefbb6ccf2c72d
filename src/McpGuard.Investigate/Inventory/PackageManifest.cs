using System.Text;
using System.Text.Json;
using McpGuard.Core.IO;

namespace McpGuard.Investigate.Inventory;

/// <summary>Reads only the top-level "name" and "version" of a package.json, skipping everything else unparsed.</summary>
internal static class PackageManifest
{
    public static (string? Name, string? Version, string? Error) Read(string path, long maxBytes)
    {
        // InputFile: a named pipe named package.json (a hostile node_modules) is reported, not waited on forever.
        if (!InputFile.TryReadAllBytes(path, maxBytes, out var bytes, out var problem))
        {
            return (null, null, problem);
        }

        try
        {
            return Parse(bytes);
        }
        catch (JsonException ex)
        {
            return (null, null, $"invalid JSON at line {(ex.LineNumber ?? 0) + 1}");
        }
    }

    private static (string?, string?, string?) Parse(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith(Encoding.UTF8.Preamble))
        {
            json = json[3..];
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (null, null, "not a JSON object");
        }

        string? name = null, version = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isName = reader.ValueTextEquals("name"u8);
            var isVersion = reader.ValueTextEquals("version"u8);
            reader.Read();
            if (reader.TokenType == JsonTokenType.String && (isName || isVersion))
            {
                if (isName)
                {
                    name = reader.GetString();
                }
                else
                {
                    version = reader.GetString();
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return (name, version, null);
    }
}
