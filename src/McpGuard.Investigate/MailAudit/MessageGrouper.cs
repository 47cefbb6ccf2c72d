namespace McpGuard.Investigate.MailAudit;

/// <summary>
/// Folds per-recipient events (Postfix/Exim lines, SendGrid/Mailgun events, CSV rows) into messages by a message
/// key. Streams with bounded memory: at most <see cref="MaxOpen"/> messages are open at once; the oldest is emitted
/// when the window is full. Logs write a message's events close together, so a split (counting one message twice)
/// needs more than <see cref="MaxOpen"/> other messages in between, which only inflates a count, never hides one.
/// </summary>
internal sealed class MessageGrouper
{
    /// <summary>Open messages kept: ~100 bytes each, so at most ~10 MB, yet far more than a log interleaves.</summary>
    public const int MaxOpen = 100_000;

    private readonly Dictionary<string, Builder> _open = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Adds one recipient (and any subject/date the event carries); returns a message evicted to make room, if any.</summary>
    public MailRecord? Add(string key, string? address, RecipientRole role, DateTimeOffset? date = null, string? subject = null)
    {
        MailRecord? evicted = null;
        if (!_open.TryGetValue(key, out var b))
        {
            if (_open.Count >= MaxOpen)
            {
                evicted = EvictOldest();
            }

            b = new Builder(key);
            _open[key] = b;
            _order.Enqueue(key);
        }

        b.Add(address, role, date, subject);
        return evicted;
    }

    /// <summary>Sets the subject/date of a message (e.g. from Exim's "&lt;=" line) without adding a recipient.</summary>
    public MailRecord? Describe(string key, DateTimeOffset? date, string? subject) => Add(key, null, RecipientRole.To, date, subject);

    /// <summary>The message is complete (Postfix "removed", Exim "Completed"): emit it now.</summary>
    public MailRecord? Complete(string key)
    {
        if (!_open.Remove(key, out var b))
        {
            return null;
        }

        // Its key stays in the queue (EvictOldest skips keys that are no longer open); when completed keys pile
        // up — a log whose every message completes never evicts — the queue is rebuilt from the open ones, so
        // memory stays bounded by the window, not by the length of the log.
        if (_order.Count > 2 * MaxOpen && _order.Count > 2 * _open.Count)
        {
            var open = _order.Where(_open.ContainsKey).ToArray();
            _order.Clear();
            foreach (var k in open)
            {
                _order.Enqueue(k);
            }
        }

        return b.Build();
    }

    /// <summary>Keys held for eviction order, open or already completed (for tests of the memory bound).</summary>
    internal int QueuedKeys => _order.Count;

    public IEnumerable<MailRecord> Flush()
    {
        while (_order.TryDequeue(out var key))
        {
            if (_open.Remove(key, out var b) && b.Build() is { } r)
            {
                yield return r;
            }
        }
    }

    private MailRecord? EvictOldest()
    {
        while (_order.TryDequeue(out var key))
        {
            if (_open.Remove(key, out var b))
            {
                return b.Build();
            }
        }

        return null;
    }

    private sealed class Builder(string key)
    {
        private readonly List<MailRecipient> _recipients = new(2);
        private DateTimeOffset? _date;
        private string? _subject;

        public void Add(string? address, RecipientRole role, DateTimeOffset? date, string? subject)
        {
            _date ??= date;
            _subject ??= subject;
            if (address is null)
            {
                return;
            }

            foreach (var r in _recipients)
            {
                if (string.Equals(r.Address, address, StringComparison.Ordinal))
                {
                    return;
                }
            }

            _recipients.Add(new MailRecipient(address, role));
        }

        /// <summary>A message with no recipient (only a "from" line) is no delivery: nothing to audit.</summary>
        public MailRecord? Build() => _recipients.Count == 0
            ? null
            : new MailRecord { MessageId = key, Date = _date, Subject = _subject, Recipients = _recipients };
    }
}
