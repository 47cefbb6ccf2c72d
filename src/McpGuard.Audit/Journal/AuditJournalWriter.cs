using System.Collections.Concurrent;
using System.Globalization;

namespace McpGuard.Audit.Journal;

/// <summary>
/// One process's append-only journal file: the commit point of <see cref="JournaledAuditStore"/>. Records are framed
/// into a buffer (<see cref="Add"/>) and <see cref="Commit"/> writes the buffer with one write: once that returns, the
/// records are in the kernel's page cache and survive a kill of this process at any moment (the same promise as
/// SQLite's synchronous=NORMAL, which `run` used before). The file carries a POSIX record lock for as long as it is
/// open, so another process can tell a live journal from one left by a dead process (<see cref="IsOwnerAlive"/>).
/// Not thread-safe: the store serialises callers.
/// </summary>
internal sealed class AuditJournalWriter : IDisposable
{
    // Journals this process has open for writing. POSIX record locks belong to the process, and closing any handle
    // of a file drops them, so this process must never probe (open, lock, close) one of its own live journals.
    private static readonly ConcurrentDictionary<string, byte> s_open = new(StringComparer.Ordinal);

    private readonly FileStream _file;
    private byte[] _pending = new byte[64 * 1024];
    private int _pendingLength;
    private long _length;

    private AuditJournalWriter(string path, FileStream file)
    {
        Path = path;
        _file = file;
    }

    public string Path { get; }

    /// <summary>Bytes written to the file so far (the magic included).</summary>
    public long CommittedLength => Volatile.Read(ref _length);

    /// <summary>Creates a new journal (0600, in a 0700 folder) named after this process, locked for its lifetime.</summary>
    public static AuditJournalWriter Create(string directory)
    {
        Core.DataDirectory.CreatePrivate(directory);
        var path = System.IO.Path.Combine(
            directory,
            string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Guid.NewGuid():N}{AuditJournalFormat.Extension}"));
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            // Readers (other processes' imports) open it while it is written, and a dead owner's file is deleted by them.
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(path, options);
        try
        {
            if (!OperatingSystem.IsMacOS())
            {
                file.Lock(0, 1);
            }

            s_open[path] = 0;
            var writer = new AuditJournalWriter(path, file);
            AuditJournalFormat.Magic.CopyTo(writer.Reserve(AuditJournalFormat.Magic.Length));
            writer.Commit();
            return writer;
        }
        catch
        {
            s_open.TryRemove(path, out _);
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// True when the journal at <paramref name="path"/> is still being written: by this process, or by another that
    /// holds its lock. A dead owner's lock is gone (the kernel drops it with the process).
    /// </summary>
    public static bool IsOwnerAlive(string path, FileStream openedForWriting)
    {
        if (s_open.ContainsKey(path))
        {
            return true;
        }

        if (OperatingSystem.IsMacOS())
        {
            // No record locks through .NET there: fall back to "does the process in the name still exist".
            return ProcessExists(System.IO.Path.GetFileName(path));
        }

        try
        {
            openedForWriting.Lock(0, 1);
            openedForWriting.Unlock(0, 1);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static bool ProcessExists(string name)
    {
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Frames one encoded record into the buffer; nothing reaches the file before <see cref="Commit"/>.</summary>
    public void Add(ReadOnlySpan<byte> record)
    {
        var frame = Reserve(AuditJournalFormat.FrameHeaderLength + record.Length);
        AuditJournalFormat.WriteFrameHeader(frame, record);
        record.CopyTo(frame[AuditJournalFormat.FrameHeaderLength..]);
    }

    /// <summary>Writes every buffered frame with one write. Throws <see cref="IOException"/> (disk full, file size limit, I/O error).</summary>
    public void Commit()
    {
        if (_pendingLength == 0)
        {
            return;
        }

        try
        {
            RandomAccess.Write(_file.SafeFileHandle, _pending.AsSpan(0, _pendingLength), _length);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // .NET reports EFBIG (the write would pass the process's file size limit, RLIMIT_FSIZE: `ulimit -f`) this
            // way, not as an IOException; it is the same failure as a full disk.
            throw new IOException("File too large: the write would pass this process's file size limit (ulimit -f)", ex);
        }

        Volatile.Write(ref _length, _length + _pendingLength);
        _pendingLength = 0;
        if (_pending.Length > 1024 * 1024)
        {
            // One huge record (a large tool call) grew the buffer: give the memory back.
            _pending = new byte[64 * 1024];
        }
    }

    /// <summary>Flushes what <see cref="Commit"/> wrote to the disk (fdatasync), for a power cut and not only a crash.</summary>
    public void FlushToDisk() => _file.Flush(flushToDisk: true);

    private Span<byte> Reserve(int count)
    {
        if (_pending.Length - _pendingLength < count)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + count));
        }

        var span = _pending.AsSpan(_pendingLength, count);
        _pendingLength += count;
        return span;
    }

    /// <summary>Closes the file (and drops its lock); the file stays until it is imported and deleted.</summary>
    public void Dispose()
    {
        s_open.TryRemove(Path, out _);
        _file.Dispose();
    }
}
