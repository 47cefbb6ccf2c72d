using System.Text;
using McpGuard.Runtime.Egress;
using McpGuard.Runtime.Egress.Http;
using McpGuard.Runtime.Egress.MailApis;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>Each mail API profile on sample bodies shaped like the provider's documentation.</summary>
public sealed class EgressMailApiProfileTests
{
    internal static EgressRequest Request(string host, string path, string body, string contentType = "application/json", string method = "POST") =>
        new("https", host, 443, new HttpRequestHead(method, path, "HTTP/1.1", [new("Host", host), new("Content-Type", contentType)]), path, Encoding.UTF8.GetBytes(body));

    private static string[] Recipients(EgressRequest request)
    {
        var profile = MailApiProfiles.Find(request);
        Assert.NotNull(profile);
        return [.. profile.Read(request).Recipients.Select(r => r.Address.ToLowerInvariant()).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void Postmark_EmailWithNameForms_AllRecipients()
    {
        var body = """{"From":"sender@example.com","To":"\"Alice A\" <alice@example.com>, bob@example.com","Cc":"carol@example.com","Bcc":"phan@giftshop.club","Subject":"x"}""";

        Assert.Equal(["alice@example.com", "bob@example.com", "carol@example.com", "phan@giftshop.club"], Recipients(Request("api.postmarkapp.com", "/email", body)));
    }

    [Fact]
    public void Postmark_BatchAndTemplatesAndLowercaseKey_AllRecipients()
    {
        Assert.Equal(["a@x.com", "b@y.com"], Recipients(Request("api.postmarkapp.com", "/email/batch", """[{"To":"a@x.com"},{"To":"b@y.com"}]""")));
        Assert.Equal(["a@x.com", "t@z.com"], Recipients(Request("api.postmarkapp.com", "/email/withTemplate", """{"TemplateId":1,"TemplateModel":{},"To":"a@x.com","bcc":"t@z.com"}""")));
        Assert.Equal(["m@x.com"], Recipients(Request("api.postmarkapp.com", "/email/batchWithTemplates", """{"Messages":[{"TemplateAlias":"w","To":"m@x.com"}]}""")));
    }

    [Fact]
    public void Postmark_DuplicateKeyOrGarbage_FailsClosed()
    {
        var profile = new PostmarkProfile();
        Assert.Throws<MailApiFormatException>(() => profile.Read(Request("api.postmarkapp.com", "/email", """{"To":"a@x.com","To":"b@x.com"}""")));
        Assert.Throws<MailApiFormatException>(() => profile.Read(Request("api.postmarkapp.com", "/email", "To=a@x.com")));
        Assert.Throws<MailApiFormatException>(() => profile.Read(Request("api.postmarkapp.com", "/email", """{"To":"not an address @@"}""")));
    }

    [Fact]
    public void SendGrid_Personalizations_AllRecipients()
    {
        var body = """
            {"personalizations":[{"to":[{"email":"john@example.com","name":"John"}],"cc":[{"email":"c@example.com"}],"bcc":[{"email":"hidden@evil.test"}]}],
             "from":{"email":"sender@example.com"},"subject":"Hello","content":[{"type":"text/plain","value":"Hi"}]}
            """;

        Assert.Equal(["c@example.com", "hidden@evil.test", "john@example.com"], Recipients(Request("api.sendgrid.com", "/v3/mail/send", body)));
    }

    [Fact]
    public void Mailgun_UrlEncodedAndMultipart_AllRecipients()
    {
        var form = "from=Excited+User+%3Cmailgun%40example.com%3E&to=bar%40example.com%2C+YOU%40example.com&bcc=spy%40evil.test&subject=Hello&text=Testing";
        Assert.Equal(["bar@example.com", "spy@evil.test", "you@example.com"],
            Recipients(Request("api.mailgun.net", "/v3/example.com/messages", form, "application/x-www-form-urlencoded")));

        var multipart = "--b1\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\nbar@example.com\r\n"
            + "--b1\r\nContent-Disposition: form-data; name=\"cc\"\r\n\r\nspy@evil.test\r\n"
            + "--b1\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello\r\n--b1--\r\n";
        Assert.Equal(["bar@example.com", "spy@evil.test"],
            Recipients(Request("api.eu.mailgun.net", "/v3/example.com/messages", multipart, "multipart/form-data; boundary=b1")));
    }

    [Fact]
    public void Resend_StringAndArrayForms_AllRecipients()
    {
        Assert.Equal(["a@x.com", "b@x.com", "c@x.com"],
            Recipients(Request("api.resend.com", "/emails", """{"from":"Acme <onboarding@resend.dev>","to":["a@x.com","b@x.com"],"bcc":"c@x.com","subject":"hi","html":"<p>x</p>"}""")));
        Assert.Equal(["d@x.com"], Recipients(Request("api.resend.com", "/emails/batch", """[{"from":"o@resend.dev","to":"d@x.com","subject":"s"}]""")));
    }

    [Fact]
    public void SesV2_DestinationAndRawMime_AllRecipients()
    {
        var simple = """{"FromEmailAddress":"sender@example.com","Destination":{"ToAddresses":["to@example.com"],"CcAddresses":[],"BccAddresses":["b@evil.test"]},"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"t"}}}}}""";
        Assert.Equal(["b@evil.test", "to@example.com"], Recipients(Request("email.us-east-1.amazonaws.com", "/v2/email/outbound-emails", simple)));

        var mime = Convert.ToBase64String(Encoding.ASCII.GetBytes("From: s@example.com\r\nTo: r@example.com\r\nBcc: x@evil.test\r\nSubject: s\r\n\r\nbody"));
        var raw = "{\"Content\":{\"Raw\":{\"Data\":\"" + mime + "\"}}}";
        Assert.Equal(["r@example.com", "x@evil.test"], Recipients(Request("email.eu-west-1.amazonaws.com", "/v2/email/outbound-emails", raw)));
    }

    [Fact]
    public void GraphSendMail_ToCcBccRecipients_AllRecipients()
    {
        var body = """
            {"message":{"subject":"Meet","body":{"contentType":"Text","content":"x"},
             "toRecipients":[{"emailAddress":{"address":"frannis@contoso.com"}}],
             "ccRecipients":[{"emailAddress":{"address":"danas@contoso.com","name":"Dana"}}],
             "bccRecipients":[{"emailAddress":{"address":"spy@evil.test"}}]},"saveToSentItems":"false"}
            """;

        Assert.Equal(["danas@contoso.com", "frannis@contoso.com", "spy@evil.test"], Recipients(Request("graph.microsoft.com", "/v1.0/me/sendMail", body)));
        var mime = Convert.ToBase64String(Encoding.ASCII.GetBytes("To: a@contoso.com\r\nBcc: spy@evil.test\r\nSubject: s\r\n\r\nx"));
        Assert.Equal(["a@contoso.com", "spy@evil.test"], Recipients(Request("graph.microsoft.com", "/v1.0/me/sendMail", mime, "text/plain")));
    }

    [Fact]
    public void Gmail_RawBase64Url_HeadersParsedWithMimeKit()
    {
        var mime = "From: me@example.com\r\nTo: Alice <alice@example.com>\r\nCc: c@example.com\r\nBcc: phan@giftshop.club\r\nSubject: =?utf-8?B?w6k=?=\r\n\r\nhi";
        var raw = Convert.ToBase64String(Encoding.UTF8.GetBytes(mime)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal(["alice@example.com", "c@example.com", "phan@giftshop.club"],
            Recipients(Request("gmail.googleapis.com", "/gmail/v1/users/me/messages/send", $$"""{"raw":"{{raw}}"}""")));
        Assert.Equal(["alice@example.com", "c@example.com", "phan@giftshop.club"],
            Recipients(Request("gmail.googleapis.com", "/upload/gmail/v1/users/me/messages/send", mime, "message/rfc822")));
    }

    [Fact]
    public void Gmail_SendWithoutRawOrNoRecipients_FailsClosed()
    {
        var profile = new GmailProfile();
        Assert.Throws<MailApiFormatException>(() => profile.Read(Request("gmail.googleapis.com", "/gmail/v1/users/me/messages/send", """{"threadId":"x"}""")));
        var noTo = Convert.ToBase64String(Encoding.ASCII.GetBytes("Subject: s\r\n\r\nbody"));
        Assert.Throws<MailApiFormatException>(() => profile.Read(Request("gmail.googleapis.com", "/gmail/v1/users/me/messages/send", $$"""{"raw":"{{noTo}}"}""")));
    }

    [Fact]
    public void Profiles_OtherHostsAndReads_NotMatched()
    {
        Assert.Null(MailApiProfiles.Find(Request("api.example.com", "/email", """{"To":"a@x.com"}""")));
        Assert.Null(MailApiProfiles.Find(Request("api.postmarkapp.com", "/messages/outbound", string.Empty, method: "GET")));
    }
}
