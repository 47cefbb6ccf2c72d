using System.Runtime.InteropServices;
using SQLitePCL;

namespace McpGuard.Audit;

/// <summary>
/// Binds statement parameters without SQLite copying them (SQLITE_STATIC), straight into the same e_sqlite3 library
/// SQLitePCL.raw loads. SQLitePCL's span bind asks SQLite for a private copy (SQLITE_TRANSIENT: a malloc, a copy and a
/// free per parameter) and adds a handle reference count per call; for the import's 224 parameters per sixteen rows
/// that was a fifth of its time (bench/README.md, "audit"). The caller keeps the bytes alive and unmoved (arrays
/// allocated pinned) until the statement is stepped and reset, and binds every parameter again before the next step.
/// </summary>
internal static partial class SqliteStaticBind
{
    private const string Library = "e_sqlite3";

    // SQLITE_STATIC: "the content pointer is constant and will never change", so SQLite reads it in place.
    private static readonly nint Static = 0;

    /// <summary>Binds UTF-8 text that lies in a pinned array; it must stay unchanged until the statement has run.</summary>
    public static int Text(sqlite3_stmt statement, int index, ReadOnlySpan<byte> pinnedUtf8) =>
        pinnedUtf8.IsEmpty
            ? raw.sqlite3_bind_text(statement, index, ""u8) // a zero-length span has no address to hand over; "" is not NULL
            : BindText(statement.DangerousGetHandle(), index, in MemoryMarshal.GetReference(pinnedUtf8), pinnedUtf8.Length, Static);

    public static int Int64(sqlite3_stmt statement, int index, long value) =>
        BindInt64(statement.DangerousGetHandle(), index, value);

    public static int Null(sqlite3_stmt statement, int index) =>
        BindNull(statement.DangerousGetHandle(), index);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_text")]
    private static partial int BindText(nint statement, int index, in byte text, int length, nint destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    private static partial int BindInt64(nint statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    private static partial int BindNull(nint statement, int index);
}
