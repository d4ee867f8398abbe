namespace Campfire.Cli;

/// <summary>Bad usage found after parsing (an option value out of range, options that do not go together): exit 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
