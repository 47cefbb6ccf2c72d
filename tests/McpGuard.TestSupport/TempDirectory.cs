namespace McpGuard.TestSupport;

/// <summary>A private folder under the system temp directory, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "mcpguard-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes a file (creating folders) relative to this directory and returns its full path.</summary>
    public string Write(string relativePath, string contents)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, contents);
        return full;
    }

    /// <summary>
    /// Makes a named pipe (mkfifo) relative to this directory and returns its full path: a hostile input that blocks a
    /// plain open(2) until some writer appears.
    /// </summary>
    public string Fifo(string relativePath)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        using var mkfifo = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo", [full]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("mkfifo did not start");
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0)
        {
            throw new InvalidOperationException($"mkfifo {full} failed with exit code {mkfifo.ExitCode}");
        }

        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a process still holding a file must not fail the test that owned the folder.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
