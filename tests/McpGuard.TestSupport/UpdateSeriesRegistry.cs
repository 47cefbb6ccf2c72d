using System.Text.Json.Nodes;

namespace McpGuard.TestSupport;

/// <summary>
/// Verdaccio on 127.0.0.1 with the update series (1.0.1 ok, 1.0.2 review, 1.0.3 hidden Bcc, 1.0.4 install script),
/// and <see cref="UpdateSeries.TamperedName"/> whose 1.0.1 tarball was swapped after publishing.
/// </summary>
public sealed class UpdateSeriesRegistry : IDisposable
{
    private readonly TempDirectory _work = new("mcpguard-update-series");

    public UpdateSeriesRegistry()
    {
        Verdaccio = new VerdaccioRegistry();
        try
        {
            UpdateSeries.Publish(Verdaccio, _work.Path);
            using var http = new HttpClient();
            Packument = JsonNode.Parse(http.GetStringAsync(new Uri(Verdaccio.Url, UpdateSeries.Name)).GetAwaiter().GetResult())!;
            TamperedPackument = JsonNode.Parse(http.GetStringAsync(new Uri(Verdaccio.Url, UpdateSeries.TamperedName)).GetAwaiter().GetResult())!;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public VerdaccioRegistry Verdaccio { get; }

    public JsonNode Packument { get; }

    public JsonNode TamperedPackument { get; }

    public string Integrity(string version) => Packument["versions"]![version]!["dist"]!["integrity"]!.GetValue<string>();

    public void Dispose()
    {
        Verdaccio.Dispose();
        _work.Dispose();
    }
}
