using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace McpGuard.Core.IO;

/// <summary>
/// Opens and reads a file the user named (a policy, lock, config, tool list...). Every way it can be the wrong thing
/// becomes one <see cref="UserInputException"/> naming the option and path: missing, a folder, a named pipe or
/// device (which would block the open or never end), or bigger than the caller's limit (read no further than it).
/// </summary>
public static partial class InputFile
{
    /// <summary>Opens <paramref name="path"/> for reading; <paramref name="what"/> names it in messages (e.g. "--policy").</summary>
    public static FileStream OpenRead(string path, string what, int bufferSize = DefaultBufferSize) =>
        TryOpenRead(path, out var stream, out var problem, bufferSize) ? stream : throw new UserInputException($"{what} {path}: {problem}");

    /// <summary>FileStream's own default.</summary>
    public const int DefaultBufferSize = 4096;

    /// <summary>
    /// Opens <paramref name="path"/> for reading, or says why not in <paramref name="problem"/> ("file not found",
    /// "cannot read it (...)"), for callers that report a bad file and go on (a discovered config, one advisory).
    /// </summary>
    public static bool TryOpenRead(string path, [NotNullWhen(true)] out FileStream? stream, [NotNullWhen(false)] out string? problem, int bufferSize = DefaultBufferSize)
    {
        stream = null;
        if (Directory.Exists(path))
        {
            problem = "cannot read it (it is a folder, not a file)";
            return false;
        }

        try
        {
            stream = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()
                ? OpenNonBlocking(path, bufferSize)
                : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = "file not found";
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read it ({ex.Message})";
            return false;
        }

        // A FIFO, socket or character device is not seekable: a FIFO nobody writes to reads nothing (or would have
        // blocked the open), /dev/zero never ends. None of them is a config the user meant to hand over.
        if (!stream.CanSeek)
        {
            stream.Dispose();
            stream = null;
            problem = "cannot read it (not a regular file but a pipe, socket or device)";
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>
    /// Fails unless <paramref name="path"/> is a regular file that can be opened, for files another library opens
    /// itself (SQLite): it would block on a named pipe just as File.OpenRead does.
    /// </summary>
    public static void EnsureRegularFile(string path, string what) => OpenRead(path, what).Dispose();

    /// <summary>The whole file, refused with a clear message when it is larger than <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what) =>
        TryReadAllBytes(path, maxBytes, out var bytes, out var problem) ? bytes : throw new UserInputException($"{what} {path}: {problem}");

    /// <summary>As <see cref="ReadAllBytes"/>, but a problem is returned instead of thrown.</summary>
    public static bool TryReadAllBytes(string path, long maxBytes, [NotNullWhen(true)] out byte[]? bytes, [NotNullWhen(false)] out string? problem)
    {
        bytes = null;
        if (!TryOpenRead(path, out var stream, out problem, bufferSize: 0))
        {
            return false;
        }

        using (stream)
        {
            try
            {
                var length = stream.Length;
                if (length > maxBytes)
                {
                    problem = TooBig(maxBytes);
                    return false;
                }

                // The length was read before the bytes: a file that grows meanwhile is read only up to the limit.
                var buffer = new MemoryStream((int)length);
                var chunk = new byte[81920];
                int read;
                while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        problem = TooBig(maxBytes);
                        return false;
                    }

                    buffer.Write(chunk, 0, read);
                }

                bytes = buffer.ToArray();
                return true;
            }
            catch (IOException ex)
            {
                problem = $"cannot read it ({ex.Message})";
                return false;
            }
        }
    }

    /// <summary>The whole file as text (UTF-8 unless a byte order mark says otherwise; the mark is dropped).</summary>
    public static string ReadAllText(string path, long maxBytes, string what) =>
        Decode(ReadAllBytes(path, maxBytes, what));

    /// <summary>As <see cref="ReadAllText"/>, but a problem is returned instead of thrown.</summary>
    public static bool TryReadAllText(string path, long maxBytes, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out string? problem)
    {
        text = TryReadAllBytes(path, maxBytes, out var bytes, out problem) ? Decode(bytes) : null;
        return text is not null;
    }

    private static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static string TooBig(long maxBytes) => $"larger than {Size(maxBytes)}, refusing to read it";

    private static string Size(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";

    /// <summary>
    /// open(2) with O_NONBLOCK: a plain open of a FIFO blocks until a writer appears, and .NET's own signal handling
    /// then keeps even SIGTERM from ending the process. The flag changes nothing for regular files.
    /// </summary>
    private static FileStream OpenNonBlocking(string path, int bufferSize)
    {
        var flags = OperatingSystem.IsMacOS() ? MacReadOnlyNonBlockCloexec : LinuxReadOnlyNonBlockCloexec;
        var fd = Open(path, flags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = Marshal.GetPInvokeErrorMessage(errno);
            throw errno switch
            {
                2 => new FileNotFoundException(message, path), // ENOENT
                20 => new DirectoryNotFoundException(message), // ENOTDIR: a path under a file, e.g. /etc/passwd/x
                13 or 1 => new UnauthorizedAccessException(message), // EACCES, EPERM
                _ => new IOException(message),
            };
        }

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize);
    }

    // O_RDONLY | O_NONBLOCK | O_CLOEXEC on Linux (all architectures .NET runs on) and on macOS.
    private const int LinuxReadOnlyNonBlockCloexec = 0x800 | 0x80000;
    private const int MacReadOnlyNonBlockCloexec = 0x4 | 0x1000000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
