namespace McpGuard.Verify.Install;

/// <summary>
/// One client config file opened for editing (JSON or TOML): its server entries whose launch can be changed, and the
/// file's text after the changes. The seam that lets <see cref="ClientConfigEditor"/> keep one decision, backup and
/// write path for every format.
/// </summary>
internal interface IServerConfigFile
{
    /// <summary>
    /// The stdio server entries, each with a way to change its launch. Remote entries (no command) are skipped;
    /// entries whose command or args are not plain strings are left alone and named in <paramref name="notes"/>.
    /// </summary>
    IEnumerable<EditableServer> Servers(ICollection<string> notes);

    /// <summary>The file's text with every applied change.</summary>
    string Render();
}

/// <summary>One server entry of an <see cref="IServerConfigFile"/>; <see cref="Apply"/> writes a new launch into the file's model.</summary>
internal sealed record EditableServer(string Name, ServerLaunch Launch, Action<ServerLaunch> Apply);
