using System.Text.RegularExpressions;

namespace McpGuard.Core.Text;

/// <summary>
/// One pattern, two engines: the source-generated backtracking regex for ordinary text, and a NonBacktracking
/// (linear-time) copy, built on first need, for text longer than <see cref="LinearAbove"/>.
/// <para>
/// Why: a NonBacktracking regex keeps its automaton alive, 0.5–3 MB per pattern (the 34 secret and tool-text
/// patterns held ~54 MB of live heap in every `mcpguard run`, issue 4), while a generated backtracking regex is
/// compiled code. Backtracking is only a risk on long hostile text (a pattern like <c>[\w-]*[_-][\w-]*</c> is
/// quadratic in a word's length), so short text, which is nearly all of it (tool descriptions, arguments, audit
/// details), takes the cheap engine, and a long text still gets the linear-time guarantee.
/// </para>
/// </summary>
public sealed class SizeGuardedRegex
{
    /// <summary>
    /// 8 Ki characters: a quadratic backtracking worst case stays around 10^7 steps (tens of milliseconds) below it,
    /// and tool descriptions and most tool results are shorter, so the linear engine is rarely built.
    /// </summary>
    public const int LinearAbove = 8 * 1024;

    private readonly Regex _backtracking;
    private Regex? _linear;

    /// <param name="backtracking">A regex without <see cref="RegexOptions.NonBacktracking"/> (normally [GeneratedRegex]).</param>
    public SizeGuardedRegex(Regex backtracking)
    {
        ArgumentNullException.ThrowIfNull(backtracking);
        if ((backtracking.Options & RegexOptions.NonBacktracking) != 0)
        {
            throw new ArgumentException("pass the backtracking regex; the linear copy is built here", nameof(backtracking));
        }

        _backtracking = backtracking;
    }

    /// <summary>The engine for <paramref name="text"/>: backtracking when it is short, linear-time otherwise.</summary>
    public Regex For(string text) => For(text.Length);

    /// <summary>The engine for a text of <paramref name="length"/> characters (span-based matching).</summary>
    public Regex For(int length) => length <= LinearAbove ? _backtracking : Linear;

    /// <summary>The linear-time engine (built now if it was not yet).</summary>
    public Regex Linear
    {
        get
        {
            // A benign race: two threads may both build it; one wins, the other copy is garbage.
            if (Volatile.Read(ref _linear) is { } built)
            {
                return built;
            }

            var linear = new Regex(_backtracking.ToString(), _backtracking.Options | RegexOptions.NonBacktracking, _backtracking.MatchTimeout);
            return Interlocked.CompareExchange(ref _linear, linear, null) ?? linear;
        }
    }

    /// <summary>The backtracking engine.</summary>
    public Regex Backtracking => _backtracking;

    public override string ToString() => _backtracking.ToString();
}
