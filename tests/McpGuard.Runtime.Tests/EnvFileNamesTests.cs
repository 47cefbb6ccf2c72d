using McpGuard.Core;
using McpGuard.Runtime.Processes;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests;

/// <summary>
/// The names --pass-env-file reads from a dotenv file: the names VS Code's envFile parser sets (its grammar), never a
/// value in any result or message, and a clear refusal naming the file when it cannot be read.
/// </summary>
public sealed class EnvFileNamesTests
{
    [Fact]
    public void Parse_FindsTheNamesVsCodeSets_InFileOrder_EachOnce()
    {
        const string text = """
            # comment line
            POSTMARK_SERVER_TOKEN=pm-token-value-123
              export DEFAULT_SENDER_EMAIL = "me@example.test"   # trailing comment
            QUOTED='a=b:c'
            BACKTICK=`x`
            COLON_STYLE: value
            EMPTY=
            POSTMARK_SERVER_TOKEN=again

            no separator on this line
            =value without a name
            "HASH_IN_QUOTES#=x"=y
            """;

        var result = EnvFileNames.Parse(text.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(["POSTMARK_SERVER_TOKEN", "DEFAULT_SENDER_EMAIL", "QUOTED", "BACKTICK", "COLON_STYLE", "EMPTY"], result.Names);
        // The quoted "name" is what VS Code sets too, but no shell or --pass-env can name it: reported by line only.
        Assert.Equal([12], result.InvalidNameLines);
    }

    [Theory]
    [InlineData("A-B=1", 1)]
    [InlineData("9LIVES=1", 1)]
    [InlineData("export\tTAB=1", 1)] // VS Code strips only "export " with a space; the name is then "export\tTAB"
    [InlineData("KEY=\"-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9/0vP==\n-----END KEY-----\"", 2)]
    public void Parse_InvalidNames_AreSkippedAndReportedByLineNumber(string text, int line)
    {
        var result = EnvFileNames.Parse(text);

        Assert.Equal([line], result.InvalidNameLines);
        Assert.DoesNotContain(result.Names, n => n.Contains('-', StringComparison.Ordinal) || n.StartsWith('9') || n.Contains("MIIB", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeparatorInsideQuotes_DoesNotEndTheName_AndAnEscapedQuoteDoesNotCloseIt()
    {
        // As VS Code: the first = or : outside quotes ends the name; here none is outside, so the line sets nothing.
        Assert.Empty(EnvFileNames.Parse("'A=B'").Names);
        Assert.Empty(EnvFileNames.Parse("\"A\\\"=B\"").Names);
        Assert.Equal(["A"], EnvFileNames.Parse("A=\"x=y\"").Names);
    }

    [Fact]
    public void Read_RelativePath_IsResolvedAgainstTheWorkingDirectory_AndABomIsNotPartOfTheFirstName()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(Path.Combine(dir.Path, ".env"), [0xEF, 0xBB, 0xBF, .. "FIRST=1\nSECOND=2\n"u8]);

        var result = EnvFileNames.Read(".env", dir.Path);

        Assert.Equal(["FIRST", "SECOND"], result.Names);
    }

    [Fact]
    public void Read_MissingFile_ThrowsUserInputExceptionNamingTheFullPath()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<UserInputException>(() => EnvFileNames.Read("missing/.env", dir.Path));

        Assert.Equal($"--pass-env-file {Path.Combine(dir.Path, "missing", ".env")}: file not found", ex.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Read_EmptyPath_IsRefusedAsSuch_NotReadAsTheWorkingDirectory(string path)
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<UserInputException>(() => EnvFileNames.Read(path, dir.Path));

        Assert.Equal("--pass-env-file needs a file path (it was empty)", ex.Message);
    }

    [Fact]
    public void Read_AFolder_OrAnOversizedFile_IsRefusedNamingIt_WithoutItsContent()
    {
        using var dir = new TempDirectory();
        var folder = Directory.CreateDirectory(Path.Combine(dir.Path, "folder.env")).FullName;
        var big = dir.Write("big.env", "SECRET_VALUE_PART=" + new string('x', EnvFileNames.MaxFileBytes));

        var folderError = Assert.Throws<UserInputException>(() => EnvFileNames.Read(folder, dir.Path));
        var bigError = Assert.Throws<UserInputException>(() => EnvFileNames.Read(big, dir.Path));

        Assert.StartsWith($"--pass-env-file {folder}: cannot read it (", folderError.Message, StringComparison.Ordinal);
        Assert.Equal($"--pass-env-file {big}: larger than 1 MiB, refusing to read it", bigError.Message);
        Assert.DoesNotContain("SECRET_VALUE_PART", bigError.Message, StringComparison.Ordinal);
    }
}
