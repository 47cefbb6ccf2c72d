using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Core.Secrets;

namespace McpGuard.Core.Tests.Secrets;

public sealed class SecretRedactorTests
{
    private static readonly SecretRedactor Redactor = new();

    // Built at run time so the repository holds no string that secret scanners would take for a live credential.
    private static string Rep(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    public static TheoryData<string, string> KnownFormats() => new()
    {
        { "ghp_" + Rep("aB3d", 9), "github-token" },
        { "gho_" + Rep("Zz90", 9), "github-token" },
        { "github_pat_" + Rep("11ABCDEFG_", 5), "github-token" },
        { "AKIA" + Rep("ABCD2345", 2), "aws-access-key-id" },
        { "xoxb-" + Rep("12345678-", 3) + "abcdEFGH", "slack-token" },
        { "sk_live_" + Rep("a1B2", 6), "stripe-key" },
        { "rk_live_" + Rep("a1B2", 6), "stripe-key" },
        { "sk-" + Rep("T3BlbkFJ", 5), "openai-key" },
        { "sk-proj-" + Rep("Ab1_", 12), "openai-key" },
        { "sk-ant-api03-" + Rep("Xy9-", 12), "anthropic-key" },
        { "AIza" + Rep("SyA1b2C3d4", 3) + "E5f6g", "google-api-key" },
        { "npm_" + Rep("a1b2C3", 6), "npm-token" },
        { "SG." + Rep("aB3_", 5) + "." + Rep("cD4-", 10), "sendgrid-key" },
        { "key-" + Rep("0123456789abcdef", 2), "mailgun-key" },
        { "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt" },
    };

    [Theory]
    [MemberData(nameof(KnownFormats))]
    public void Redact_KnownTokenFormat_ReplacedWithKindMarker(string secret, string kind)
    {
        var text = $"config: value {secret} end";
        var redacted = Redactor.Redact(text);
        Assert.Equal($"config: value [REDACTED:{kind}] end", redacted);
        Assert.True(Redactor.ContainsSecret(text));
        var match = Assert.Single(SecretDetector.Default.Find(text));
        Assert.Equal(kind, match.Kind);
        Assert.Equal(secret, text.Substring(match.Index, match.Length));
    }

    [Fact]
    public void Redact_AuthorizationBearerHeader_KeepsSchemeRedactsValue()
    {
        var token = Rep("Qm9i", 8);
        Assert.Equal("Authorization: Bearer [REDACTED:authorization]\nHost: x", Redactor.Redact($"Authorization: Bearer {token}\nHost: x"));
        Assert.Equal("authorization: Basic [REDACTED:authorization]", Redactor.Redact("authorization: Basic Ym9iOmh1bnRlcjI="));
        Assert.Equal("\"Authorization\":\"Bearer [REDACTED:authorization]\"", Redactor.Redact($"\"Authorization\":\"Bearer {token}\""));
    }

    [Fact]
    public void Redact_PasswordInUrl_RedactsOnlyPassword()
    {
        Assert.Equal("postgres://bob:[REDACTED:url-password]@db.local:5432/app", Redactor.Redact("postgres://bob:hunter2@db.local:5432/app"));
        Assert.Equal("see https://example.com/a:b/c", Redactor.Redact("see https://example.com/a:b/c"));
    }

    [Fact]
    public void Redact_PemPrivateKey_WholeBlockIncludingJsonEscapedNewlines()
    {
        var body = Rep("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 4);
        var pem = $"-----BEGIN RSA PRIVATE KEY-----\n{body}\n{body}\n-----END RSA PRIVATE KEY-----";
        Assert.Equal("key=[REDACTED:private-key] done", Redactor.Redact($"key={pem} done"));
        var escaped = pem.Replace("\n", "\\n", StringComparison.Ordinal);
        Assert.Equal("{\"k\":\"[REDACTED:private-key]\"}", Redactor.Redact($"{{\"k\":\"{escaped}\"}}"));

        // A truncated block (no END line) is still redacted as far as the key material goes.
        Assert.Equal("[REDACTED:private-key]", Redactor.Redact($"-----BEGIN PRIVATE KEY-----\n{body}"));
    }

    [Fact]
    public void Redact_UuidOnlyUnderSecretName_Postmark()
    {
        var uuid = "3f1c2b7e-9a4d-4c55-8e21-0b6f7d9a1c2e";
        Assert.Equal($"message id {uuid}", Redactor.Redact($"message id {uuid}"));
        Assert.Equal("X-Postmark-Server-Token: [REDACTED:secret-field]", Redactor.Redact($"X-Postmark-Server-Token: {uuid}"));
        var json = JsonNode.Parse($$"""{"headers":{"X-Postmark-Server-Token":"{{uuid}}","Accept":"application/json"},"MessageID":"{{uuid}}"}""")!;
        Redactor.RedactInPlace(json);
        Assert.Equal("[REDACTED:secret-field]", (string?)json["headers"]!["X-Postmark-Server-Token"]);
        Assert.Equal("application/json", (string?)json["headers"]!["Accept"]);
        Assert.Equal(uuid, (string?)json["MessageID"]);
    }

    [Fact]
    public void Redact_EnvAndAssignmentLines_RedactsValues()
    {
        var text = "GITHUB_TOKEN=abc123def456\nOPENWEATHER_KEY=zz99yy88\nDEBUG=true\npassword: correcthorse\napi_key=\"q1w2e3r4\"";
        Assert.Equal(
            "GITHUB_TOKEN=[REDACTED:secret-field]\nOPENWEATHER_KEY=[REDACTED:secret-field]\nDEBUG=true\npassword: [REDACTED:secret-field]\napi_key=\"[REDACTED:secret-field]\"",
            Redactor.Redact(text));
    }

    [Theory]
    [InlineData("Bearer authentication is used by this API.")]
    [InlineData("The token: required. Pass max_tokens: 2048 to limit output.")]
    [InlineData("We use sk-learn and a key-value store; commit 4f9c2a7e1b3d5f60718293a4b5c6d7e8f9012345.")]
    [InlineData("password: ${DB_PASSWORD}")]
    [InlineData("Send the email to alice@example.com with subject Hello")]
    [InlineData("https://api.example.com/v1/items?page=2&limit=50")]
    public void Redact_OrdinaryText_Unchanged(string text)
    {
        Assert.Same(text, Redactor.Redact(text));
        Assert.False(Redactor.ContainsSecret(text));
    }

    [Fact]
    public void WriteRedacted_SameJudgementAsRedactInPlace_AndLeavesTheTreeUntouched()
    {
        // The audit store writes with WriteRedacted (no copy of the tree); it must redact exactly what RedactInPlace does.
        var gh = "ghp_" + Rep("aB3d", 9);
        var text = $$"""
            {"to":"alice@example.com","apiKey":"plainvalue","pin":1234,"max_tokens":2048,"nextPageToken":"cursor-abc",
             "env":{"GITHUB_TOKEN":"t0ken-value","OPENAI_KEY":"${OPENAI_KEY}"},"servers":[{"client_secret":"abcd","url":"https://u:pw123456@h.example/x"}],
             "secret":["one-secret",["nested-secret"],{"plain":"kept"}],"body":"please use {{gh}} now","cookie":"sid=abc; other=1","nothing":null,"ok":true}
            """;
        var original = JsonNode.Parse(text)!.AsObject();
        var expected = original.DeepClone();
        Redactor.RedactInPlace(expected);

        var written = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(written))
        {
            Redactor.WriteRedacted(writer, original);
        }

        Assert.Equal(expected.ToJsonString(), Encoding.UTF8.GetString(written.WrittenSpan));
        Assert.Equal(JsonNode.Parse(text)!.ToJsonString(), original.ToJsonString());

        // Member by member (how the store writes details after its own "bytes"): judged by the member's name.
        var members = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(members))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in original)
            {
                Redactor.WriteRedactedMember(writer, key, value);
            }

            writer.WriteEndObject();
        }

        Assert.Equal(expected.ToJsonString(), Encoding.UTF8.GetString(members.WrittenSpan));

        // And from a parsed element (the proxy's tool-call arguments), without building a tree.
        using var document = System.Text.Json.JsonDocument.Parse(text);
        var fromElement = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(fromElement))
        {
            writer.WriteStartObject();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                Redactor.WriteRedactedMember(writer, property.Name, property.Value);
            }

            writer.WriteEndObject();
        }

        Assert.Equal(expected.ToJsonString(), Encoding.UTF8.GetString(fromElement.WrittenSpan));
    }

    [Fact]
    public void RedactInPlace_SecretNamedKeysAndEmbeddedTokens_NestedObjectsAndArrays()
    {
        var gh = "ghp_" + Rep("aB3d", 9);
        var json = JsonNode.Parse($$"""
            {
              "to": "alice@example.com",
              "apiKey": "plainvalue",
              "password": "x",
              "pin": 1234,
              "max_tokens": 2048,
              "nextPageToken": "cursor-abc",
              "env": { "GITHUB_TOKEN": "t0ken-value", "HOME": "/home/u", "OPENAI_KEY": "${OPENAI_KEY}" },
              "servers": [ { "client_secret": "abcd", "url": "https://u:pw123456@h.example/x" } ],
              "secret": ["one-secret", "two-secret"],
              "body": "please use {{gh}} now",
              "cookie": "sid=abc; other=1"
            }
            """)!;
        Redactor.RedactInPlace(json);
        Assert.Equal("alice@example.com", (string?)json["to"]);
        Assert.Equal("[REDACTED:secret-field]", (string?)json["apiKey"]);
        Assert.Equal("[REDACTED:secret-field]", (string?)json["password"]);
        Assert.Equal(2048, (int)json["max_tokens"]!);
        Assert.Equal("cursor-abc", (string?)json["nextPageToken"]);
        Assert.Equal("[REDACTED:secret-field]", (string?)json["env"]!["GITHUB_TOKEN"]);
        Assert.Equal("/home/u", (string?)json["env"]!["HOME"]);
        Assert.Equal("${OPENAI_KEY}", (string?)json["env"]!["OPENAI_KEY"]);
        Assert.Equal("[REDACTED:secret-field]", (string?)json["servers"]![0]!["client_secret"]);
        Assert.Equal("https://u:[REDACTED:url-password]@h.example/x", (string?)json["servers"]![0]!["url"]);
        Assert.Equal("[REDACTED:secret-field]", (string?)json["secret"]![1]);
        Assert.Equal("please use [REDACTED:github-token] now", (string?)json["body"]);
        Assert.Equal("[REDACTED:secret-field]", (string?)json["cookie"]);
        Assert.DoesNotContain("1234", json.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_Twice_SameAsOnce()
    {
        var text = "Authorization: Bearer " + Rep("aZ09", 8) + " and postgres://a:b1c2d3@h/ and GITHUB_TOKEN=zzz111 and ghp_" + Rep("aB3d", 9);
        var once = Redactor.Redact(text);
        Assert.Equal(once, Redactor.Redact(once));
        Assert.False(Redactor.ContainsSecret(once));
    }

    [Fact]
    public void Redact_TenMegabyteAdversarialInputs_FinishCorrectly()
    {
        // Shapes that make backtracking engines go quadratic or worse: long runs that almost match.
        const int Size = 10 * 1024 * 1024;
        var inputs = new (string Text, bool HasSecret)[]
        {
            (new string('a', Size), false),
            (Rep("a://", Size / 4), false),
            (Rep("password", Size / 8), false),
            (Rep("eyJ", Size / 3), false),
            ("-----BEGIN PRIVATE KEY-----" + Rep("A-", Size / 2), true),
            (Rep("x:", Size / 2) + "@", false),
            (Rep("Authorization ", Size / 14), false),
            (Rep("ghp_", Size / 4), false),
        };
        foreach (var (text, hasSecret) in inputs)
        {
            var redacted = Redactor.Redact(text);
            Assert.Equal(hasSecret, !ReferenceEquals(text, redacted));
        }

        var needle = "ghp_" + Rep("aB3d", 9);
        var big = new StringBuilder(Size + 100).Append('a', Size / 2).Append(' ').Append(needle).Append(' ').Append('a', Size / 2).ToString();
        var result = Redactor.Redact(big);
        Assert.Contains(" [REDACTED:github-token] ", result, StringComparison.Ordinal);
        Assert.Equal(Size + 2 + "[REDACTED:github-token]".Length, result.Length);
    }
}
