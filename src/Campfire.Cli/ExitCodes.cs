namespace Campfire.Cli;

/// <summary>The CLI's exit-code contract: other tools rely on it.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int BadInput = 1;
    public const int BadUsage = 2;
}
