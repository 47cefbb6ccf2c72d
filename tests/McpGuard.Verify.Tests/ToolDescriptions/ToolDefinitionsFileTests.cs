using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.Verify.Analysis.ToolDescriptions;

namespace McpGuard.Verify.Tests.ToolDescriptions;

public sealed class ToolDefinitionsFileTests
{
    private static IReadOnlyList<LoadedTool> Parse(string text) => ToolDefinitionsFile.Parse(Encoding.UTF8.GetBytes(text), "t.json");

    [Fact]
    public void Parse_PrettyPrintedToolsList_LinesOfEachTool()
    {
        var tools = Parse("""
            {
              "tools": [
                {
                  "name": "a",
                  "description": "first"
                },
                // a comment
                { "name": "b", "title": "B", "inputSchema": { "type": "object" } },
              ]
            }
            """);
        Assert.Equal(["a", "b"], tools.Select(t => t.Tool.Name));
        Assert.Equal([3, 8], tools.Select(t => t.Line));
        Assert.Equal("B", tools[1].Tool.Title);
        Assert.NotNull(tools[1].Tool.InputSchema);
    }

    [Fact]
    public void Parse_JsonRpcResponseWithOtherMembersFirst_FindsToolsArray()
    {
        var tools = Parse("{\"jsonrpc\":\"2.0\",\"id\":{\"x\":[1,2]},\"result\":{\"nextCursor\":null,\"other\":[{\"name\":\"no\"}],\n\"tools\":[\n{\"name\":\"a\"}]}}");
        var t = Assert.Single(tools);
        Assert.Equal(("a", 3), (t.Tool.Name, t.Line));
    }

    [Fact]
    public void Parse_SingleToolObject_OneTool() =>
        Assert.Equal("solo", Assert.Single(Parse("\uFEFF{\"name\":\"solo\"}")).Tool.Name);

    [Theory]
    [InlineData("[{\"name\":\"a\",\"description\":5}]", "t.json:1: tool #1 has a \"description\" that is not a string")]
    [InlineData("[{\"name\":\"a\"},\n{\"name\":\"b\",\"inputSchema\":[]}]", "t.json:2: tool #2 has an \"inputSchema\" that is not an object")]
    [InlineData("{\"name\":\"a\"}\n{\"name\":\"b\"}\n[1]", "t.json:3: tool #3 is not a JSON object")]
    [InlineData("\"just a string\"", "t.json:1: expected")]
    public void Parse_BadShapes_UserInputExceptionWithFileAndLine(string text, string expected)
    {
        var ex = Assert.Throws<UserInputException>(() => Parse(text));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromToolsListResult_InvalidEntries_ReportedByIndex()
    {
        var result = JsonNode.Parse("""{"tools":[{"name":"ok"},{"description":"nameless"},7]}""");
        var tools = ToolDefinitionsFile.FromToolsListResult(result, out var invalid);
        Assert.Equal("ok", Assert.Single(tools).Name);
        Assert.Equal([1, 2], invalid);
    }
}
