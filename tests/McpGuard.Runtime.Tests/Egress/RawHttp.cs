using System.Globalization;
using System.Text;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>Writes raw HTTP/1.1 bytes and reads one response (Content-Length or chunked), for wire-level proxy tests.</summary>
internal static class RawHttp
{
    public static async Task<(int Status, Dictionary<string, string> Headers, string Body)> SendAsync(Stream stream, string request, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), cancellationToken);
        return await ReadResponseAsync(stream, cancellationToken);
    }

    public static async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync(Stream stream, CancellationToken cancellationToken, bool expectBody = true)
    {
        var head = await ReadLineBlockAsync(stream, cancellationToken);
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return (0, [], string.Empty);
        }

        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        if (!expectBody)
        {
            return (status, headers, string.Empty);
        }

        var body = new MemoryStream();
        if (headers.TryGetValue("Content-Length", out var cl))
        {
            await ReadExactAsync(stream, body, int.Parse(cl, CultureInfo.InvariantCulture), cancellationToken);
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var size = int.Parse((await ReadLineAsync(stream, cancellationToken)).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    await ReadLineAsync(stream, cancellationToken);
                    break;
                }

                await ReadExactAsync(stream, body, size, cancellationToken);
                await ReadLineAsync(stream, cancellationToken);
            }
        }

        return (status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    private static async Task<string> ReadLineBlockAsync(Stream stream, CancellationToken cancellationToken)
    {
        var builder = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync(stream, cancellationToken);
            if (line.Length == 0)
            {
                return builder.ToString();
            }

            builder.Append(line).Append("\r\n");
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one, cancellationToken) == 1)
        {
            if (one[0] == '\n')
            {
                break;
            }

            if (one[0] != '\r')
            {
                bytes.Add(one[0]);
            }
        }

        return Encoding.ASCII.GetString([.. bytes]);
    }

    private static async Task ReadExactAsync(Stream stream, MemoryStream into, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        into.Write(buffer);
    }
}
