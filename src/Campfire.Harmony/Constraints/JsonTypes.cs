namespace Campfire.Harmony.Constraints;

/// <summary>The JSON value kinds a schema node admits.</summary>
[Flags]
internal enum JsonTypes : byte
{
    None = 0,
    String = 1,
    Number = 2,
    Integer = 4,
    Boolean = 8,
    Null = 16,
    Object = 32,
    Array = 64,
    Any = String | Number | Integer | Boolean | Null | Object | Array,
}
