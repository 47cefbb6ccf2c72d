namespace McpGuard.Investigate.MailAudit;

/// <summary>
/// Folds per-recipient events (Postfix/Exim lines, SendGrid/Mailgun events, CSV rows) into messages by a message
/// key. Streams with bounded memory: at most <see cref="MaxOpen"/> messages are open at once; the oldest is emitted
/// when the window is full. Logs write a message's events close together, so a split (counting one message twice)
/// needs more than <see cref="MaxOpen"/> other messages in between, which only inflates a count, never hides one.
/// <para>
/// Many exports (a CSV with one row per message, per-recipient events written together) never interleave. While that
/// holds, the grouper runs in streak mode: one message is open and it is emitted as soon as another key starts, so
/// nothing lives long enough to be promoted by the GC (holding a 100,000-message window made such files 3x slower).
/// The first key that comes back after its message was emitted switches to the window for the rest of the input;
/// that one message is counted twice, as a split in the window would be.
/// </para>
/// </summary>
internal sealed class MessageGrouper
{
    /// <summary>Open messages kept: ~100 bytes each, so at most ~10 MB, yet far more than a log interleaves.</summary>
    public const int MaxOpen = 100_000;

    private readonly Dictionary<string, Builder> _open = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly RecentKeys _emitted = new(MaxOpen);
    private bool _windowed;
    private Builder? _streak;

    /// <summary>True once the input interleaved messages and the window is in use (for tests).</summary>
    internal bool Windowed => _windowed;

    /// <summary>Adds one recipient (and any subject/date the event carries); returns a message evicted to make room, if any.</summary>
    public MailRecord? Add(string key, string? address, RecipientRole role, DateTimeOffset? date = null, string? subject = null)
    {
        if (!_windowed)
        {
            if (_streak is not null && string.Equals(_streak.Key, key, StringComparison.Ordinal))
            {
                _streak.Add(address, role, date, subject);
                return null;
            }

            if (!_emitted.Contains(key))
            {
                var done = EndStreak();
                _streak = new Builder(key);
                _streak.Add(address, role, date, subject);
                return done;
            }

            // The key's message was already emitted: the input interleaves, so group in the window from now on.
            _windowed = true;
            if (_streak is { } open)
            {
                _streak = null;
                _open[open.Key] = open;
                _order.Enqueue(open.Key);
            }
        }

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
        if (_streak is not null && string.Equals(_streak.Key, key, StringComparison.Ordinal))
        {
            return EndStreak();
        }

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
        if (EndStreak() is { } last)
        {
            yield return last;
        }

        while (_order.TryDequeue(out var key))
        {
            if (_open.Remove(key, out var b) && b.Build() is { } r)
            {
                yield return r;
            }
        }
    }

    private MailRecord? EndStreak()
    {
        if (_streak is not { } b)
        {
            return null;
        }

        _streak = null;
        _emitted.Add(b.Key);
        return b.Build();
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
        public string Key => key;

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

/// <summary>
/// The last N keys seen, as 64-bit fingerprints in flat arrays (no object per key, so the GC never walks them). A
/// fingerprint collision only makes the grouper switch to its window early: slower, never wrong.
/// </summary>
internal sealed class RecentKeys(int capacity)
{
    // Both grow with use: a small log must not pay for a 100,000-key table up front.
    private readonly HashSet<ulong> _set = [];
    private readonly List<ulong> _ring = [];
    private int _next;

    public bool Contains(string key) => _set.Contains(Fingerprint(key));

    public void Add(string key)
    {
        var f = Fingerprint(key);
        if (!_set.Add(f))
        {
            return;
        }

        if (_ring.Count < capacity)
        {
            _ring.Add(f);
            return;
        }

        _set.Remove(_ring[_next]);
        _ring[_next] = f;
        _next = (_next + 1) % capacity;
    }

    // FNV-1a over the UTF-16 code units: stable, 64 bits (string.GetHashCode has 32, too few for 100,000 keys).
    private static ulong Fingerprint(string key)
    {
        var h = 14695981039346656037UL;
        foreach (var c in key)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }
}
