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
    public static FileStream OpenRead(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new UserInputException($"{what} {path}: cannot read it (it is a folder, not a file)");
        }

        FileStream stream;
        try
        {
            stream = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()
                ? OpenNonBlocking(path)
                : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserInputException($"{what} {path}: file not found", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{what} {path}: cannot read it ({ex.Message})", ex);
        }

        // A FIFO, socket or character device is not seekable: a FIFO nobody writes to reads nothing (or would have
        // blocked the open), /dev/zero never ends. None of them is a config the user meant to hand over.
        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new UserInputException($"{what} {path}: cannot read it (not a regular file but a pipe, socket or device)");
        }

        return stream;
    }

    /// <summary>The whole file, refused with a clear message when it is larger than <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        using var stream = OpenRead(path, what);
        try
        {
            var length = stream.Length;
            if (length > maxBytes)
            {
                throw TooBig(path, maxBytes, what);
            }

            // The length was read before the bytes: a file that grows meanwhile is read only up to the limit.
            var buffer = new MemoryStream((int)length);
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw TooBig(path, maxBytes, what);
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        catch (IOException ex)
        {
            throw new UserInputException($"{what} {path}: cannot read it ({ex.Message})", ex);
        }
    }

    /// <summary>The whole file as text (UTF-8 unless a byte order mark says otherwise; the mark is dropped).</summary>
    public static string ReadAllText(string path, long maxBytes, string what)
    {
        var bytes = ReadAllBytes(path, maxBytes, what);
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static UserInputException TooBig(string path, long maxBytes, string what) =>
        new($"{what} {path}: larger than {Size(maxBytes)}, refusing to read it");

    private static string Size(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";

    /// <summary>
    /// open(2) with O_NONBLOCK: a plain open of a FIFO blocks until a writer appears, and .NET's own signal handling
    /// then keeps even SIGTERM from ending the process. The flag changes nothing for regular files.
    /// </summary>
    private static FileStream OpenNonBlocking(string path)
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

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize: 0);
    }

    // O_RDONLY | O_NONBLOCK | O_CLOEXEC on Linux (all architectures .NET runs on) and on macOS.
    private const int LinuxReadOnlyNonBlockCloexec = 0x800 | 0x80000;
    private const int MacReadOnlyNonBlockCloexec = 0x4 | 0x1000000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
