namespace Campfire.Remote;

/// <summary>Bad generator configuration: no endpoint, malformed URL, API-key variable not set...</summary>
/// <param name="message">What is wrong and, where it helps, what was expected.</param>
public sealed class RemoteConfigurationException(string message) : RemoteGenerationException(message);
