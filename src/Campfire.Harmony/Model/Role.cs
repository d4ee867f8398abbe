namespace Campfire.Harmony.Model;

/// <summary>Who wrote a message. The wire names are the reference's: user, assistant, system, developer, tool.</summary>
public enum Role
{
    /// <summary>The person talking to the model (<c>user</c>).</summary>
    User,

    /// <summary>The model (<c>assistant</c>).</summary>
    Assistant,

    /// <summary>The system message: identity, dates, reasoning effort, channels, built-in tools (<c>system</c>).</summary>
    System,

    /// <summary>The developer message: instructions and function tools (<c>developer</c>).</summary>
    Developer,

    /// <summary>A tool's output; the author's name is the tool's, which the header shows instead of the role (<c>tool</c>).</summary>
    Tool,
}
