using McpGuard.Core;

namespace McpGuard.Audit.Tests;

public sealed class AuditCanonicalFormTests
{
    private static readonly AuditRecord s_record = new()
    {
        Seq = 42,
        Time = "2026-11-23T12:00:00.0000000Z",
        Kind = "tool-call",
        Server = "post\"mark",
        Tool = "send_email",
        Decision = "block",
        Reason = "line1\nline2\u0001\u00e9\U0001F600 \\ </script>",
        Details = "{\"to\":\"a@b.c\"}",
        PrevHash = AuditCanonicalForm.GenesisHash,
        EntryHash = "",
    };

    [Fact]
    public void Serialize_Record_IsSortedKeysAllPresentJcsEscaping()
    {
        var text = AuditCanonicalForm.Serialize(s_record);
        Assert.Equal(
            "{\"decision\":\"block\",\"details\":\"{\\\"to\\\":\\\"a@b.c\\\"}\",\"direction\":null,\"kind\":\"tool-call\",\"method\":null," +
            "\"reason\":\"line1\\nline2\\u0001\u00e9\U0001F600 \\\\ </script>\",\"requestId\":null,\"ruleId\":null,\"seq\":42," +
            "\"server\":\"post\\\"mark\",\"time\":\"2026-11-23T12:00:00.0000000Z\",\"tool\":\"send_email\"}",
            text);
        var keys = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public void ComputeHash_KnownRecord_MatchesSha256OfPrevBytesAndText()
    {
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            new byte[32].Concat(System.Text.Encoding.UTF8.GetBytes(AuditCanonicalForm.Serialize(s_record))).ToArray()));
        Assert.Equal(expected, AuditCanonicalForm.ComputeHash(AuditCanonicalForm.GenesisHash, s_record));
        Assert.NotEqual(expected, AuditCanonicalForm.ComputeHash(AuditCanonicalForm.GenesisHash, s_record with { Seq = 43 }));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("quote \" backslash \\ slash / tab \t nul \u0000 unit-sep \u001f del \u007f")]
    [InlineData("latin \u00e9, cjk \u4e2d, emoji \U0001F600, line-sep \u2028")]
    [InlineData("lone high \ud800 and lone low \udc00")]
    public void ComputeHash_AnyText_EqualsSha256OfTheStringForm(string text)
    {
        // The store hashes from UTF-8 without building the string form; both must agree byte for byte, or records the
        // store writes would fail `audit verify` under another implementation of the documented canonical form.
        var r = s_record with { Reason = text, Details = "{\"t\":" + System.Text.Json.JsonSerializer.Serialize(text) + ",\"raw\":\"" + text + "\"}", RequestId = text, Tool = text };
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            new byte[32].Concat(System.Text.Encoding.UTF8.GetBytes(AuditCanonicalForm.Serialize(r))).ToArray()));
        Assert.Equal(expected, AuditCanonicalForm.ComputeHash(AuditCanonicalForm.GenesisHash, r));
    }

    [Fact]
    public void FormatTime_AnyOffset_IsFixedWidthUtc()
    {
        Assert.Equal("2026-11-23T10:00:00.1234567Z", AuditCanonicalForm.FormatTime(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567)));
    }
}

public sealed class DataDirectoryTests
{
    [Fact]
    public void Resolve_McpguardHome_WinsOverXdgAndHome()
    {
        var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = "/srv/mg", ["XDG_DATA_HOME"] = "/x", ["HOME"] = "/home/u" };
        Assert.Equal("/srv/mg", DataDirectory.Resolve(env.GetValueOrDefault));
    }

    [Fact]
    public void Resolve_Xdg_ThenHomeFallback()
    {
        Assert.Equal("/x/mcpguard", DataDirectory.Resolve(new Dictionary<string, string> { ["XDG_DATA_HOME"] = "/x", ["HOME"] = "/home/u" }.GetValueOrDefault));
        // A relative XDG_DATA_HOME is invalid per the XDG spec and ignored.
        Assert.Equal("/home/u/.local/share/mcpguard", DataDirectory.Resolve(new Dictionary<string, string> { ["XDG_DATA_HOME"] = "rel", ["HOME"] = "/home/u" }.GetValueOrDefault));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void EnsureCreated_NewFolder_IsMode0700()
    {
        using var dir = new TestSupport.TempDirectory();
        var home = Path.Combine(dir.Path, "a", "b");
        var created = DataDirectory.EnsureCreated(new Dictionary<string, string> { ["MCPGUARD_HOME"] = home }.GetValueOrDefault);
        Assert.Equal(home, created);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(home));
        Assert.Equal(Path.Combine(home, "audit.db"), AuditLocation.ResolvePath(null, new Dictionary<string, string> { ["MCPGUARD_HOME"] = home }.GetValueOrDefault));
    }
}
