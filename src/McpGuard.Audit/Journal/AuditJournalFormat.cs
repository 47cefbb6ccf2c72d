using System.Buffers.Binary;
using System.IO.Hashing;

namespace McpGuard.Audit.Journal;

/// <summary>
/// The layout of a process journal: an 8-byte magic, then one frame per record: payload length and CRC-32 of the
/// payload (both 32-bit little-endian), then the encoded record (<see cref="AuditRecordEncoder"/>). The CRC is not a
/// security seal (the hash chain is, once the record is imported); it finds the end of what was written whole, so a
/// write cut short by a kill, or read while it happens, is never taken for a record.
/// </summary>
internal static class AuditJournalFormat
{
    public const string Extension = ".jnl";

    public const int FrameHeaderLength = 8;

    /// <summary>A frame larger than this is damage, not a record (the proxy's largest frame is far smaller).</summary>
    public const int MaxPayloadLength = 256 * 1024 * 1024;

    public static ReadOnlySpan<byte> Magic => "MCPGJNL1"u8;

    /// <summary>Where the journals of the database at <paramref name="databasePath"/> live: a private folder beside it.</summary>
    public static string DirectoryFor(string databasePath) => databasePath + ".journals";

    public static void WriteFrameHeader(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32.HashToUInt32(payload));
    }

    /// <summary>The outcome of reading the next frame at the start of some bytes.</summary>
    public enum FrameStatus
    {
        /// <summary>A whole frame whose checksum matches.</summary>
        Complete,

        /// <summary>The bytes end inside the frame: a write not yet done, or cut short.</summary>
        Incomplete,

        /// <summary>The frame is whole but wrong (checksum or length): damage, or a torn write with bytes after it.</summary>
        Damaged,
    }

    /// <summary>Reads the frame at the start of <paramref name="data"/>; on Complete, its payload and whole length.</summary>
    public static FrameStatus ReadFrame(ReadOnlySpan<byte> data, out Range payload, out int frameLength)
    {
        payload = default;
        frameLength = 0;
        if (data.Length < FrameHeaderLength)
        {
            return FrameStatus.Incomplete;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 0 || length > MaxPayloadLength)
        {
            return FrameStatus.Damaged;
        }

        if (data.Length - FrameHeaderLength < length)
        {
            return FrameStatus.Incomplete;
        }

        var body = data.Slice(FrameHeaderLength, length);
        if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            return FrameStatus.Damaged;
        }

        payload = new Range(FrameHeaderLength, FrameHeaderLength + length);
        frameLength = FrameHeaderLength + length;
        return FrameStatus.Complete;
    }
}
