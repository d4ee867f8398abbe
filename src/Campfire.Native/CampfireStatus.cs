namespace Campfire.Native;

/// <summary>Status codes of the C ABI; the values are part of the ABI (see native/include/campfire.h) and never change.</summary>
public enum CampfireStatus
{
    Ok = 0,
    NullPointer = 1,
    InvalidHandle = 2,
    FreedHandle = 3,
    InvalidUtf8 = 4,
    UnknownToken = 5,
    BufferTooSmall = 6,
    MalformedJson = 7,
    ParseError = 8,
    InvalidArgument = 9,
    InvalidConversation = 10,
    InvalidState = 11,
    Internal = 12,
    TokenNotAllowed = 13,
}
