namespace Campfire.Harmony.Model;

/// <summary>
/// A message's author: a role plus an optional name. Tool messages carry the tool's full name
/// (for example <c>browser.search</c> or <c>functions.get_weather</c>), which the header shows instead of the role.
/// </summary>
public sealed record Author(Role Role, string? Name = null)
{
    public static Author Of(Role role) => role switch
    {
        Role.User => User,
        Role.Assistant => Assistant,
        Role.System => System,
        Role.Developer => Developer,
        _ => new Author(role),
    };

    public static Author User { get; } = new(Role.User);
    public static Author Assistant { get; } = new(Role.Assistant);
    public static Author System { get; } = new(Role.System);
    public static Author Developer { get; } = new(Role.Developer);

    /// <summary>A tool author, e.g. <c>Author.Tool("functions.lookup")</c>.</summary>
    public static Author Tool(string name) => new(Role.Tool, name);

    public Author WithName(string? name) => this with { Name = name };
}
