using McpGuard.Core.Secrets;

namespace McpGuard.Core.Tests.Secrets;

public sealed class SecretDetectorTests
{
    [Theory]
    [InlineData("password", true)]
    [InlineData("passwd", true)]
    [InlineData("apiKey", true)]
    [InlineData("api_key", true)]
    [InlineData("Authorization", true)]
    [InlineData("Cookie", true)]
    [InlineData("private_key", true)]
    [InlineData("client_secret", true)]
    [InlineData("GITHUB_TOKEN", true)]
    [InlineData("OPENAI_API_KEY", true)]
    [InlineData("STRIPE_KEY", true)]
    [InlineData("AWS_SECRET", true)]
    [InlineData("X-Postmark-Server-Token", true)]
    [InlineData("token", true)]
    [InlineData("to", false)]
    [InlineData("subject", false)]
    [InlineData("max_tokens", false)]
    [InlineData("nextPageToken", false)]
    [InlineData("public_key", false)]
    [InlineData("partition_key", false)]
    [InlineData("keyboard", false)]
    [InlineData("monkey", false)]
    [InlineData("Webhook-KEY", true)]
    [InlineData("cache.key", false)]
    [InlineData("key", false)]
    public void IsSecretName_CommonNames_Classified(string name, bool expected) =>
        Assert.Equal(expected, SecretDetector.IsSecretName(name));

    [Theory]
    [InlineData("GITHUB_TOKEN", "${GITHUB_TOKEN}", null)]
    [InlineData("API_KEY", "<your api key>", null)]
    [InlineData("API_KEY", "", null)]
    [InlineData("API_KEY", "abc123real", "secret-field")]
    [InlineData("HOME", "/home/user", null)]
    [InlineData("SOMETHING", "xoxb-12345678-12345678-abcdEFGH", "slack-token")]
    public void Classify_ConfigEnvValues_KindOrNull(string name, string value, string? kind) =>
        Assert.Equal(kind, SecretDetector.Default.Classify(name, value));

    [Fact]
    public void Find_SeveralSecrets_SortedWithPositions()
    {
        var aws = "AKIA" + "ABCD2345ABCD2345";
        var text = $"id={aws} url=https://u:p4ssw0rd@h/ end";
        var found = SecretDetector.Default.Find(text);
        Assert.Equal(2, found.Count);
        Assert.Equal(("aws-access-key-id", aws), (found[0].Kind, text.Substring(found[0].Index, found[0].Length)));
        Assert.Equal(("url-password", "p4ssw0rd"), (found[1].Kind, text.Substring(found[1].Index, found[1].Length)));
    }

    [Fact]
    public void Find_SecretWhoseOnlyRequiredLiteralIsOneCharacter_PassesThePreCheck()
    {
        // "=" is the query-string pattern's only required literal and the pre-check searches one-character literals
        // apart from the others: text holding no other literal must still reach the pattern.
        var text = "download?sig=Zq81kPw02xR";
        var found = SecretDetector.Default.Find(text);
        Assert.Equal(("secret-field", "Zq81kPw02xR"), (Assert.Single(found).Kind, text.Substring(found[0].Index, found[0].Length)));
    }
}

public sealed class SecretKnownValueTests
{
    [Fact]
    public void ForEnvironment_SecretNamedValues_RedactedAnywhere()
    {
        var uuid = "3f1c2b7e-9a4d-4c55-8e21-0b6f7d9a1c2e";
        var detector = SecretDetector.ForEnvironment(new Dictionary<string, string?>
        {
            ["POSTMARK_SERVER_TOKEN"] = uuid,
            ["HOME"] = "/home/user",
            ["SHORT_TOKEN"] = "abc",
            ["OTHER_TOKEN"] = "${FROM_VAULT}",
        });
        var redactor = new SecretRedactor(detector);

        Assert.Equal("sent with [REDACTED:known-secret] from /home/user, abc", redactor.Redact($"sent with {uuid} from /home/user, abc"));
        Assert.True(detector.ContainsSecret($"x{uuid}x"));
        Assert.False(detector.ContainsSecret("nothing here"));
        Assert.Equal($"sent with {uuid}", new SecretRedactor().Redact($"sent with {uuid}"));
    }
}
