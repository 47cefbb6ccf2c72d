using System.IO.Pipelines;
using System.Text;
using McpGuard.Runtime.Egress;
using McpGuard.Runtime.Egress.Http;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>The strict HTTP/1.1 reader on raw bytes.</summary>
public sealed class EgressHttp1ReaderTests
{
    private static Http1Reader Reader(string raw, EgressLimits? limits = null) =>
        new(PipeReader.Create(new MemoryStream(Encoding.Latin1.GetBytes(raw))), limits ?? new EgressLimits());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadHead_PipelinedRequests_ReadsBothWithBodies()
    {
        var reader = Reader("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: h\r\n\r\n");

        var first = await reader.ReadHeadAsync(Ct);
        var body = await reader.ReadBodyAsync(Http1Reader.GetFraming(first!), 100, Ct);
        var second = await reader.ReadHeadAsync(Ct);

        Assert.Equal("abc", Encoding.ASCII.GetString(body!));
        Assert.Equal("/b", second!.Target);
        Assert.Null(await reader.ReadHeadAsync(Ct));
    }

    [Fact]
    public async Task ReadBody_ChunkedWithExtensionAndTrailer_Decoded()
    {
        var reader = Reader("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n");

        var head = await reader.ReadHeadAsync(Ct);

        Assert.Equal("abcde", Encoding.ASCII.GetString((await reader.ReadBodyAsync(Http1Reader.GetFraming(head!), 100, Ct))!));
    }

    [Fact]
    public async Task ReadBody_ChunkedOverLimit_ReturnsNull()
    {
        var reader = Reader("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");

        var head = await reader.ReadHeadAsync(Ct);

        Assert.Null(await reader.ReadBodyAsync(Http1Reader.GetFraming(head!), 8, Ct));
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")]
    public async Task GetFraming_AmbiguousFraming_Refused(string raw)
    {
        var head = await Reader(raw).ReadHeadAsync(Ct);

        Assert.Throws<EgressProtocolException>(() => Http1Reader.GetFraming(head!));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost : h\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n")]
    [InlineData("GET  / HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/2.0\r\n\r\n")]
    public async Task ReadHead_MalformedHead_Refused(string raw) =>
        await Assert.ThrowsAsync<EgressProtocolException>(async () => await Reader(raw).ReadHeadAsync(Ct));

    [Fact]
    public async Task ReadHead_HeadOverLimit_Refused431()
    {
        var limits = new EgressLimits { MaxHeaderBytes = 64, MaxRequestLineBytes = 64 };
        var raw = "GET / HTTP/1.1\r\nX: " + new string('a', 500) + "\r\n\r\n";

        var error = await Assert.ThrowsAsync<EgressProtocolException>(async () => await Reader(raw, limits).ReadHeadAsync(Ct));

        Assert.Equal(431, error.StatusCode);
    }
}
