namespace McpGuard.Investigate.MailAudit.Postmark;

/// <summary>A request that failed after retries. The message names the URL path and status, never the token.</summary>
internal sealed class PostmarkApiException(string message, int? status, Exception? inner = null) : Exception(message, inner)
{
    public int? Status { get; } = status;
}
