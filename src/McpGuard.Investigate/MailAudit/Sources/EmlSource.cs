using System.Runtime.CompilerServices;
using McpGuard.Core;
using McpGuard.Core.IO;
using MimeKit;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>One .eml file, or a folder of them (searched recursively, e.g. an exported Sent folder).</summary>
internal sealed class EmlSource : IMailSource
{
    public string Name => "eml";

    public string Description => "RFC 5322 messages: one .eml file or a folder of .eml files";

    public bool Detect(MailSourceProbe probe) =>
        probe.IsDirectory || probe.Extension == ".eml"
        || (probe.Head.StartsWith("Return-Path:", StringComparison.OrdinalIgnoreCase) || probe.Head.StartsWith("Received:", StringComparison.OrdinalIgnoreCase)
            || probe.Head.StartsWith("From:", StringComparison.OrdinalIgnoreCase) || probe.Head.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase));

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.eml", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            : (IEnumerable<string>)[path];
        var any = false;
        foreach (var file in files)
        {
            any = true;
            MimeMessage message;
            try
            {
                // Persistent is not used: the stream is closed right after, and only headers are read from the result.
                // InputFile: a named pipe among the messages is reported like an unreadable one, not waited on.
                await using var stream = InputFile.TryOpenRead(file, out var opened, out var problem) ? opened : throw new IOException(problem);
                message = await MimeMessage.LoadAsync(stream, cancellationToken);
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                if (!Directory.Exists(path))
                {
                    throw new UserInputException($"--input {file}: not a readable email message: {ex.Message}", ex);
                }

                context.Skip(file, null, $"not a readable email message, skipped: {ex.Message}");
                continue;
            }

            if (MimeHeaders.Map(message) is { } record)
            {
                yield return record;
            }
            else
            {
                context.Skip(file, null, "message has no To, Cc or Bcc header; skipped");
            }
        }

        if (!any)
        {
            throw new UserInputException($"--input {path}: the folder holds no .eml files.");
        }
    }
}
