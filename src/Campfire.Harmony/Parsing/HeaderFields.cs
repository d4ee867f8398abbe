using Campfire.Harmony.Model;

namespace Campfire.Harmony.Parsing;

/// <summary>A parsed header: ranges into the parser's header store.</summary>
internal struct HeaderFields
{
    public Role Role;
    public ByteRange Name;
    public ByteRange Channel;
    public ByteRange Recipient;
    public ByteRange ContentType;

    /// <summary>For a header recovered as content (non-strict/lenient): where the words that form the content lie.</summary>
    public int ContentPartsStart;
    public int ContentPartsEnd;

    public static HeaderFields Empty(Role role) => new()
    {
        Role = role,
        Name = ByteRange.Absent,
        Channel = ByteRange.Absent,
        Recipient = ByteRange.Absent,
        ContentType = ByteRange.Absent,
    };
}
