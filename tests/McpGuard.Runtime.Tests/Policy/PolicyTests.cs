using System.Text.Json;
using McpGuard.Core;
using McpGuard.Runtime.Policy;

namespace McpGuard.Runtime.Tests.Policy;

public sealed class PolicyTests
{
    private const string Yaml = """
        version: 1
        servers:
          postmark:
            tools:
              deny: ["delete_*"]
            arguments:
              send-email:
                to: { domains: [example.com, "*.example.org"] }
                bcc: { forbidden: true }
                priority: { enum: [low, high] }
                subject: { maxLength: 10 }
            onViolation: block
          "*":
            tools:
              deny: [get-env]
            onViolation: alert
            poisonedTools: hide
            toolResults: strip
        """;

    private static JsonElement Args(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void Load_Yaml_BuildsPerServerPolicyWithFallback()
    {
        var policy = PolicyLoader.Parse(Yaml, "p.yaml");
        Assert.Equal(["delete_*"], policy.For("postmark").DenyTools);
        Assert.Equal(PoisonedToolAction.Hide, policy.For("other").PoisonedTools);
        Assert.Equal(ToolResultAction.Strip, policy.For("other").ToolResults);
        Assert.False(PolicyEvaluator.IsToolAllowed(policy.For("other"), "get-env"));
    }

    [Theory]
    [InlineData("""{"to":"a@example.com"}""", true)]
    [InlineData("""{"to":"Ann <a@mail.example.org>, b@example.com"}""", true)]
    [InlineData("""{"to":["a@example.com","x@giftshop.club"]}""", false)]
    [InlineData("""{"to":"a@example.com","bcc":"phan@giftshop.club"}""", false)]
    [InlineData("""{"to":"a@example.com","priority":"urgent"}""", false)]
    [InlineData("""{"to":"a@example.com","subject":"far too long subject"}""", false)]
    [InlineData("""{"to":"not-an-address"}""", false)]
    public void EvaluateCall_ArgumentConstraints_Enforced(string args, bool forwarded)
    {
        var policy = PolicyLoader.Parse(Yaml, "p.yaml").For("postmark");
        var decision = PolicyEvaluator.EvaluateCall(policy, "send-email", Args(args));
        Assert.Equal(forwarded, decision.Forward);
        if (!forwarded)
        {
            Assert.Equal("MCPG502", decision.Rule!.Id);
        }
    }

    [Fact]
    public void EvaluateCall_DeniedGlob_Blocked()
    {
        var decision = PolicyEvaluator.EvaluateCall(PolicyLoader.Parse(Yaml, "p.yaml").For("postmark"), "delete_all", null);
        Assert.False(decision.Forward);
        Assert.Equal("MCPG501", decision.Rule!.Id);
    }

    [Fact]
    public void EvaluateCall_AlertAction_ForwardsWithRule()
    {
        var policy = new ServerPolicy
        {
            OnViolation = ViolationAction.Alert,
            Arguments = [new ToolArgumentRules("*", new Dictionary<string, ArgumentConstraint> { ["x"] = new() { MaxLength = 1 } })],
        };
        var decision = PolicyEvaluator.EvaluateCall(policy, "t", Args("""{"x":"long"}"""));
        Assert.True(decision.IsAlert);
    }

    [Theory]
    [InlineData("servers:\n  a:\n    tools:\n      denny: [x]\n", 4, "unknown key 'denny'")]
    [InlineData("servers:\n  a:\n    onViolation: maybe\n", 3, "onViolation must be one of")]
    [InlineData("servers:\n  a:\n    arguments:\n      t:\n        x: { pattern: \"(\" }\n", 5, "not a valid regular expression")]
    [InlineData("servers:\n  a: {}\n  a: {}\n", 3, "")]
    [InlineData("{\"servers\": {\"a\": {\"toolz\": 1}}}", 1, "unknown key 'toolz'")]
    public void Load_BadPolicy_FailsNamingFileAndLine(string text, int line, string message)
    {
        var ex = Assert.Throws<UserInputException>(() => PolicyLoader.Parse(text, "/etc/p.yaml"));
        Assert.Contains($"/etc/p.yaml:{line}:", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("flow")]
    [InlineData("object")]
    public void Parse_NestedHundredThousandDeep_IsAnInputErrorNotAStackOverflow(string shape)
    {
        // YamlDotNet builds its node tree recursively: without the depth check this kills the process (exit 134).
        const int depth = 100_000;
        var text = shape == "flow"
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        var ex = Assert.Throws<UserInputException>(() => PolicyLoader.Parse(text, "/etc/p.yaml"));
        Assert.Equal($"policy file /etc/p.yaml:1: nested deeper than {PolicyLoader.MaxDepth} levels", ex.Message);
    }

    [Fact]
    public void Parse_NestedWithinTheLimit_StillReadsThePolicy()
    {
        var ex = Assert.Throws<UserInputException>(() => PolicyLoader.Parse("version: [[[[1]]]]", "/etc/p.yaml"));
        Assert.Contains("version must be a single value", ex.Message);
    }
}
