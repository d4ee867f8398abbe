namespace Campfire.Harmony.Model;

/// <summary>
/// A message's author: a role plus an optional name. Tool messages carry the tool's full name
/// (for example <c>browser.search</c> or <c>functions.get_weather</c>), which the header shows instead of the role.
/// </summary>
/// <param name="Role">The author's role.</param>
/// <param name="Name">An optional name: the tool's full name for a tool message (required there), else shown as
/// <c>role:name</c> in the header.</param>
public sealed record Author(Role Role, string? Name = null)
{
    /// <summary>An unnamed author of <paramref name="role"/>; the shared instance for every role but <see cref="Role.Tool"/>.</summary>
    public static Author Of(Role role) => role switch
    {
        Role.User => User,
        Role.Assistant => Assistant,
        Role.System => System,
        Role.Developer => Developer,
        _ => new Author(role),
    };

    /// <summary>The unnamed user.</summary>
    public static Author User { get; } = new(Role.User);

    /// <summary>The unnamed assistant.</summary>
    public static Author Assistant { get; } = new(Role.Assistant);

    /// <summary>The unnamed system author.</summary>
    public static Author System { get; } = new(Role.System);

    /// <summary>The unnamed developer.</summary>
    public static Author Developer { get; } = new(Role.Developer);

    /// <summary>A tool author, e.g. <c>Author.Tool("functions.lookup")</c>.</summary>
    public static Author Tool(string name) => new(Role.Tool, name);

    /// <summary>A copy with <paramref name="name"/> as its name (null removes it).</summary>
    public Author WithName(string? name) => this with { Name = name };
}
