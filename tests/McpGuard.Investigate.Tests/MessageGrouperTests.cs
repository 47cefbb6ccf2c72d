using McpGuard.Investigate.MailAudit;

namespace McpGuard.Investigate.Tests;

public sealed class MessageGrouperTests
{
    [Fact]
    public void Adjacent_EachMessageIsEmittedWhenTheNextStarts_WithoutTheWindow()
    {
        var grouper = new MessageGrouper();

        Assert.Null(grouper.Add("m1", "a@example.net", RecipientRole.Unknown));
        Assert.Null(grouper.Add("m1", "b@example.net", RecipientRole.Unknown));
        var first = grouper.Add("m2", "c@example.net", RecipientRole.Unknown);
        var rest = grouper.Flush().ToList();

        Assert.NotNull(first);
        Assert.Equal(["a@example.net", "b@example.net"], first.Recipients.Select(r => r.Address));
        Assert.Equal("m2", Assert.Single(rest).MessageId);
        Assert.False(grouper.Windowed);
    }

    [Fact]
    public void Interleaved_SwitchesToTheWindowAndStillGroupsLaterMessages()
    {
        var grouper = new MessageGrouper();
        var emitted = new List<MailRecord>();
        void Add(string key, string address)
        {
            if (grouper.Add(key, address, RecipientRole.Unknown) is { } done)
            {
                emitted.Add(done);
            }
        }

        Add("m1", "a@example.net");
        Add("m2", "b@example.net");
        Add("m1", "c@example.net"); // m1 was already emitted: the input interleaves
        Add("m3", "d@example.net");
        Add("m4", "e@example.net");
        Add("m3", "f@example.net");
        emitted.AddRange(grouper.Flush());

        Assert.True(grouper.Windowed);
        var m3 = Assert.Single(emitted, r => r.MessageId == "m3");
        Assert.Equal(["d@example.net", "f@example.net"], m3.Recipients.Select(r => r.Address));
        Assert.Equal(2, emitted.Count(r => r.MessageId == "m1")); // the one message that revealed the interleaving is split
        Assert.Equal(5, emitted.Count);
    }

    [Fact]
    public void Complete_InStreakMode_EmitsAtOnce()
    {
        var grouper = new MessageGrouper();

        Assert.Null(grouper.Describe("q1", null, "Invoice"));
        Assert.Null(grouper.Add("q1", "a@example.net", RecipientRole.Unknown));
        var done = grouper.Complete("q1");

        Assert.NotNull(done);
        Assert.Equal("Invoice", done.Subject);
        Assert.Empty(grouper.Flush());
    }
}
