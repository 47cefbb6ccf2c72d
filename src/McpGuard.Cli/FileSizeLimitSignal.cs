using System.Runtime.InteropServices;

namespace McpGuard.Cli;

/// <summary>
/// Handles SIGXFSZ for the life of the process. Unhandled (the runtime leaves it alone), a write past the file size
/// limit (RLIMIT_FSIZE, `ulimit -f`) kills mcpguard before it can say which file; handled, the write fails with
/// EFBIG like one on a full disk, so `run`'s audit journal fails closed with a message naming itself and a reader
/// that cannot import a journal warns instead of dying. Never unregistered: the signal is dispatched
/// asynchronously, and one raised by the last writes but dispatched after a Dispose would get the default action
/// again (exit 153 instead of the message). A handler, unlike SIG_IGN, is not inherited by the servers `run` starts.
/// </summary>
internal static class FileSizeLimitSignal
{
    // SIGXFSZ on Linux (x86, Arm) and macOS; PosixSignal takes raw numbers for the signals it does not name.
    private const int SigXfsz = 25;

    private static PosixSignalRegistration? s_registration;

    public static void Handle()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            s_registration ??= PosixSignalRegistration.Create((PosixSignal)SigXfsz, signal => signal.Cancel = true);
        }
    }
}
