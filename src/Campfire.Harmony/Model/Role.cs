namespace Campfire.Harmony.Model;

/// <summary>Who wrote a message. The wire names are the reference's: user, assistant, system, developer, tool.</summary>
public enum Role
{
    User,
    Assistant,
    System,
    Developer,
    Tool,
}
