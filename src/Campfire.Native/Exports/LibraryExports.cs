using System.Runtime.InteropServices;
using System.Text;

namespace Campfire.Native.Exports;

/// <summary>Version, ABI version, status names and the thread-local last error.</summary>
internal static unsafe class LibraryExports
{
    /// <summary>Bumped whenever a signature, struct layout, constant or status value of campfire.h changes incompatibly.</summary>
    public const uint AbiVersion = 1;

    private static ReadOnlySpan<byte> VersionText => "0.1.0\0"u8;

    [UnmanagedCallersOnly(EntryPoint = "campfire_version")]
    public static byte* Version() => Abi.StaticString(VersionText);

    [UnmanagedCallersOnly(EntryPoint = "campfire_abi_version")]
    public static uint GetAbiVersion() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "campfire_status_name")]
    public static byte* StatusName(int status) => Abi.StaticString((CampfireStatus)status switch
    {
        CampfireStatus.Ok => "CAMPFIRE_OK\0"u8,
        CampfireStatus.NullPointer => "CAMPFIRE_ERROR_NULL_POINTER\0"u8,
        CampfireStatus.InvalidHandle => "CAMPFIRE_ERROR_INVALID_HANDLE\0"u8,
        CampfireStatus.FreedHandle => "CAMPFIRE_ERROR_FREED_HANDLE\0"u8,
        CampfireStatus.InvalidUtf8 => "CAMPFIRE_ERROR_INVALID_UTF8\0"u8,
        CampfireStatus.UnknownToken => "CAMPFIRE_ERROR_UNKNOWN_TOKEN\0"u8,
        CampfireStatus.BufferTooSmall => "CAMPFIRE_ERROR_BUFFER_TOO_SMALL\0"u8,
        CampfireStatus.MalformedJson => "CAMPFIRE_ERROR_MALFORMED_JSON\0"u8,
        CampfireStatus.ParseError => "CAMPFIRE_ERROR_PARSE\0"u8,
        CampfireStatus.InvalidArgument => "CAMPFIRE_ERROR_INVALID_ARGUMENT\0"u8,
        CampfireStatus.InvalidConversation => "CAMPFIRE_ERROR_INVALID_CONVERSATION\0"u8,
        CampfireStatus.InvalidState => "CAMPFIRE_ERROR_INVALID_STATE\0"u8,
        CampfireStatus.Internal => "CAMPFIRE_ERROR_INTERNAL\0"u8,
        CampfireStatus.TokenNotAllowed => "CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED\0"u8,
        _ => "CAMPFIRE_UNKNOWN_STATUS\0"u8,
    });

    [UnmanagedCallersOnly(EntryPoint = "campfire_last_error_code")]
    public static int LastErrorCode() => (int)LastError.Status;

    [UnmanagedCallersOnly(EntryPoint = "campfire_clear_last_error")]
    public static void ClearLastError() => LastError.Clear();

    /// <summary>
    /// Copies the last error message (UTF-8, NUL-terminated). Its own failures are returned but not recorded, so a
    /// too-small buffer never overwrites the message the host is trying to read.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "campfire_last_error_message")]
    public static int LastErrorMessage(byte* buffer, nuint capacity, nuint* length)
    {
        try
        {
            if (length == null || (buffer == null && capacity != 0))
            {
                return (int)CampfireStatus.NullPointer;
            }

            string message = LastError.Message;
            int byteCount = Encoding.UTF8.GetByteCount(message);
            *length = (nuint)byteCount;
            if ((nuint)byteCount + 1 > capacity)
            {
                return (int)CampfireStatus.BufferTooSmall;
            }

            var destination = new Span<byte>(buffer, byteCount + 1);
            Encoding.UTF8.GetBytes(message, destination);
            destination[byteCount] = 0;
            return Abi.Ok;
        }
        catch (Exception)
        {
            return (int)CampfireStatus.Internal;
        }
    }
}
