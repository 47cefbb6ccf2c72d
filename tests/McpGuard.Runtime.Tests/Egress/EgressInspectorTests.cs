using System.Text.Json.Nodes;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Egress;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>Rules without sockets: host patterns, recipient matching, generic flags, placeholders.</summary>
public sealed class EgressInspectorTests
{
    private static readonly EgressPolicy s_policy = new()
    {
        Server = "s",
        AllowedHosts = ["api.postmarkapp.com", "*.example.org"],
        KnownAddresses = ["Sender@Example.com"],
    };

    private static EgressInspector Inspector(EgressPolicy? policy = null) =>
        new(policy ?? s_policy, new CredentialPlaceholders((policy ?? s_policy).Secrets), new FakeSecretRedactor());

    private static CallArguments Args(params string[] values)
    {
        var args = new JsonObject { ["nested"] = new JsonObject { ["list"] = new JsonArray([.. values.Select(v => (JsonNode)v)]) } };
        return new CallArguments([new InFlightCall("s", "1", "send", args, DateTimeOffset.UtcNow)]);
    }

    [Theory]
    [InlineData("api.postmarkapp.com", true)]
    [InlineData("API.Postmarkapp.com.", true)]
    [InlineData("a.example.org", true)]
    [InlineData("example.org", false)]
    [InlineData("evilexample.org", false)]
    [InlineData("api.postmarkapp.com.evil.test", false)]
    public void IsHostAllowed_Patterns_ExactAndSubdomainOnly(string host, bool allowed) =>
        Assert.Equal(allowed, Inspector().IsHostAllowed(host));

    [Fact]
    public void Inspect_RecipientInNestedArgumentAnyCase_Allowed()
    {
        var request = EgressMailApiProfileTests.Request("api.postmarkapp.com", "/email", """{"From":"sender@example.com","To":"ALICE@example.com"}""");

        var verdict = Inspector().Inspect(request, Args("please mail Alice <alice@EXAMPLE.com> today"));

        Assert.True(verdict.Allowed);
        Assert.Empty(verdict.Flags);
    }

    [Theory]
    [InlineData("api.postmarkapp.com", "/email", """{"From":"Billing <billing@shop.example>","To":"alice@example.com","ReplyTo":"replies@evil.test"}""")]
    [InlineData("api.sendgrid.com", "/v3/mail/send", """{"personalizations":[{"to":[{"email":"alice@example.com"}]}],"from":{"email":"billing@shop.example"},"reply_to":{"email":"replies@evil.test"}}""")]
    [InlineData("api.resend.com", "/emails", """{"from":"billing@shop.example","to":["alice@example.com"],"reply_to":"replies@evil.test"}""")]
    [InlineData("email.eu-west-1.amazonaws.com", "/v2/email/outbound-emails", """{"FromEmailAddress":"billing@shop.example","Destination":{"ToAddresses":["alice@example.com"]},"ReplyToAddresses":["replies@evil.test"]}""")]
    [InlineData("graph.microsoft.com", "/v1.0/me/sendMail", """{"message":{"from":{"emailAddress":{"address":"billing@shop.example"}},"toRecipients":[{"emailAddress":{"address":"alice@example.com"}}],"replyTo":[{"emailAddress":{"address":"replies@evil.test"}}]}}""")]
    public void Inspect_ConfiguredSenderNotInArguments_NotFlaggedButReplyToIs(string host, string path, string body)
    {
        var policy = s_policy with { AllowedHosts = [host], KnownAddresses = [] };

        var verdict = Inspector(policy).Inspect(EgressMailApiProfileTests.Request(host, path, body), Args("alice@example.com"));

        Assert.True(verdict.Allowed);
        var flag = Assert.Single(verdict.Flags);
        Assert.Equal("MCPG605", flag.Rule.Id);
        Assert.Contains("replies@evil.test", flag.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("billing@shop.example", flag.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_RecipientOnlyAsSubstringOfArgumentAddress_Blocked()
    {
        var request = EgressMailApiProfileTests.Request("api.postmarkapp.com", "/email", """{"To":"b@example.com"}""");

        var verdict = Inspector().Inspect(request, Args("bob@example.com"));

        Assert.False(verdict.Allowed);
        Assert.Equal("MCPG601", verdict.Rule!.Id);
        Assert.Equal(["b@example.com"], verdict.UnexpectedRecipients);
    }

    [Fact]
    public void Inspect_StrayAddressAndSecretInGenericBody_FlaggedNotBlocked()
    {
        var request = EgressMailApiProfileTests.Request("a.example.org", "/upload",
            """{"note":"copy to leak@evil.test","from":"sender@example.com","key":"ghp_abcdefghijklmnopqrstuvwxyz0123456789"}""");

        var verdict = Inspector().Inspect(request, Args("hello"));

        Assert.True(verdict.Allowed);
        Assert.Equal(2, verdict.Flags.Count);
        Assert.All(verdict.Flags, f => Assert.Equal("MCPG605", f.Rule.Id));
        Assert.Contains("leak@evil.test", verdict.Flags[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sender@example.com", verdict.Flags[0].Message, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:github-token]", verdict.Flags[1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ghp_abc", verdict.Flags[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_SecretTheUserPassed_NotFlagged()
    {
        const string token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        var request = EgressMailApiProfileTests.Request("a.example.org", "/repos", $$"""{"token":"{{token}}"}""");

        var verdict = Inspector().Inspect(request, Args(token));

        Assert.True(verdict.Allowed);
        Assert.Empty(verdict.Flags);
    }

    [Fact]
    public void Inspect_GzipBody_BlockedAsUninspectable()
    {
        var request = new EgressRequest("https", "a.example.org", 443,
            new McpGuard.Runtime.Egress.Http.HttpRequestHead("POST", "/x", "HTTP/1.1", [new("Content-Encoding", "gzip")]), "/x", [1, 2, 3]);

        var verdict = Inspector().Inspect(request, Args());

        Assert.Equal("MCPG603", verdict.Rule!.Id);
    }

    [Fact]
    public void Placeholders_SwapOnlyDeclaredHeaderHostAndTls()
    {
        var policy = s_policy with { Secrets = [new EgressSecret("POSTMARK_SERVER_TOKEN", "real", "api.postmarkapp.com", "X-Postmark-Server-Token")] };
        var placeholders = new CredentialPlaceholders(policy.Secrets);
        var placeholder = placeholders.Environment["POSTMARK_SERVER_TOKEN"];
        EgressRequest Make(string scheme, string host, string header) => new(scheme, host, 443,
            new McpGuard.Runtime.Egress.Http.HttpRequestHead("POST", "/email", "HTTP/1.1", [new(header, placeholder)]), "/email", []);

        var good = Make("https", "api.postmarkapp.com", "x-postmark-server-token");
        Assert.Null(placeholders.FindMisplaced(good));
        Assert.Equal("real", placeholders.SwapHeaderValue(good, "x-postmark-server-token", placeholder));
        Assert.Equal("header Authorization", placeholders.FindMisplaced(Make("https", "api.postmarkapp.com", "Authorization"))!.Value.Location);
        Assert.Equal("plain HTTP", placeholders.FindMisplaced(Make("http", "api.postmarkapp.com", "X-Postmark-Server-Token"))!.Value.Location);
        Assert.StartsWith("host", placeholders.FindMisplaced(Make("https", "a.example.org", "X-Postmark-Server-Token"))!.Value.Location, StringComparison.Ordinal);
        Assert.Equal(placeholder, placeholders.SwapHeaderValue(Make("http", "api.postmarkapp.com", "X"), "X-Postmark-Server-Token", placeholder));
        Assert.DoesNotContain("real", policy.Secrets[0].ToString(), StringComparison.Ordinal);
    }
}
