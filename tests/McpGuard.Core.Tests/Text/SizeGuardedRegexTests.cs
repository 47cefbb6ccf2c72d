using System.Text.RegularExpressions;
using McpGuard.Core.Secrets;
using McpGuard.Core.Text;

namespace McpGuard.Core.Tests.Text;

public sealed class SizeGuardedRegexTests
{
    // Secrets in the shapes the patterns look for (synthetic values), mixed with prose that must not match.
    private static readonly string[] s_samples =
    [
        "Authorization: Bearer abcdef0123456789abcdef0123456789",
        "export GITHUB_TOKEN=ghp_" + new string('a', 18) + new string('7', 18) + " and more text",
        "postgres://admin:hunter2hunter2@db.internal:5432/app",
        "curl 'https://api.example.test/v1?access_token=AbC123xyz789&x=1'",
        "aws_secret_access_key = " + new string('A', 20) + new string('b', 20),
        "Cookie: session=0123456789abcdef; theme=dark",
        "password: correct-horse-battery-staple, user: bob",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
        "sk-proj-" + new string('x', 10) + "0123456789abcdef",
        "Bearer authentication is described in RFC 6750; the token field is optional.",
        "no secrets here, just an ordinary sentence about keys and passwords in general",
    ];

    [Fact]
    public void Constructor_NonBacktrackingRegex_Throws() =>
        Assert.Throws<ArgumentException>(() => new SizeGuardedRegex(new Regex("a", RegexOptions.NonBacktracking)));

    [Fact]
    public void For_ShortText_Backtracking_LongText_Linear()
    {
        var guarded = new SizeGuardedRegex(new Regex("needle", RegexOptions.CultureInvariant));

        Assert.Same(guarded.Backtracking, guarded.For(new string('x', SizeGuardedRegex.LinearAbove)));
        var linear = guarded.For(new string('x', SizeGuardedRegex.LinearAbove + 1));
        Assert.NotSame(guarded.Backtracking, linear);
        Assert.True((linear.Options & RegexOptions.NonBacktracking) != 0);
        Assert.Same(linear, guarded.Linear);
    }

    [Fact]
    public void SecretPatterns_BothEngines_FindTheSameMatches()
    {
        var compared = 0;
        foreach (var pattern in SecretPatterns.All)
        {
            foreach (var sample in s_samples)
            {
                var fast = Describe(pattern.Regex.Backtracking.Matches(sample));
                var linear = Describe(pattern.Regex.Linear.Matches(sample));
                Assert.True(fast == linear, $"{pattern.Kind} on '{sample}': backtracking [{fast}] vs linear [{linear}]");
                compared += fast.Length > 0 ? 1 : 0;
            }
        }

        // The samples must actually exercise the patterns, or the comparison above proves nothing.
        Assert.True(compared >= 10, $"only {compared} pattern/sample pairs matched");
    }

    [Fact]
    public void Redact_SecretPastTheThreshold_StillRedacted()
    {
        // Long text takes the linear engine: the result must be the same as for short text.
        var token = "ghp_" + new string('a', 18) + new string('7', 18);
        var text = new string('.', SizeGuardedRegex.LinearAbove) + " token " + token + " end";

        var redacted = new SecretRedactor().Redact(text);

        Assert.DoesNotContain(token, redacted, StringComparison.Ordinal);
        Assert.EndsWith(" end", redacted, StringComparison.Ordinal);
    }

    private static string Describe(MatchCollection matches) =>
        string.Join("; ", matches.Select(m => $"{m.Index}+{m.Length} v={(m.Groups["v"].Success ? m.Groups["v"].Index + "+" + m.Groups["v"].Length : "-")}"));
}
