namespace McpGuard.Investigate.MailAudit;

/// <summary>What format detection sees of an input: its path, extension and the first few kilobytes as text.</summary>
internal sealed record MailSourceProbe(string Path, bool IsDirectory, string Extension, string Head)
{
    /// <summary>Enough to see the first records of every supported format without reading a large file.</summary>
    public const int HeadBytes = 16 * 1024;

    public static MailSourceProbe For(string path)
    {
        if (Directory.Exists(path))
        {
            return new MailSourceProbe(path, true, "", "");
        }

        var buffer = new byte[HeadBytes];
        int read;
        using (var stream = InputFiles.OpenSequential(path))
        {
            read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }

        var head = System.Text.Encoding.UTF8.GetString(buffer, 0, read).TrimStart('\uFEFF');
        return new MailSourceProbe(path, false, System.IO.Path.GetExtension(path).ToLowerInvariant(), head);
    }
}

/// <summary>
/// One mail log or export format. Each format is one class registered in <see cref="MailSources.All"/>; adding a
/// provider touches nothing else. Sources stream: a record is produced as soon as it is complete.
/// </summary>
internal interface IMailSource
{
    /// <summary>The --input-format name, e.g. "ses".</summary>
    string Name { get; }

    /// <summary>One line for help and docs.</summary>
    string Description { get; }

    /// <summary>True when the probe looks like this format (used when --input-format is not given).</summary>
    bool Detect(MailSourceProbe probe);

    /// <summary>
    /// Reads messages. Malformed parts are skipped and reported to <paramref name="context"/>; input that is not this
    /// format at all throws <see cref="McpGuard.Core.UserInputException"/> naming the file.
    /// </summary>
    IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, CancellationToken cancellationToken);
}
