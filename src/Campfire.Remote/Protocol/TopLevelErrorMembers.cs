using System.Text.Json;

namespace Campfire.Remote.Protocol;

/// <summary>
/// The top-level members that make an event an error, in both servers' shapes: <c>{"error": {...}}</c> (streaming
/// errors) and <c>{"object": "error", "message": ...}</c> (OpenAI-style error responses).
/// </summary>
internal struct TopLevelErrorMembers
{
    private string? _error;
    private bool _isErrorObject;
    private string? _message;

    /// <summary>The error message the event carried, or null when it is not an error.</summary>
    public readonly string? Message => _error ?? (_isErrorObject ? _message ?? "(error object without message)" : null);

    /// <summary>Consumes the current member when it is one of the error members; false (nothing consumed) otherwise.</summary>
    public bool TryRead(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("error"u8))
        {
            reader.Read();
            _error = JsonChunkReading.ReadErrorValue(ref reader);
            return true;
        }
        if (reader.ValueTextEquals("object"u8))
        {
            reader.Read();
            _isErrorObject = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("error"u8);
            reader.Skip();
            return true;
        }
        if (reader.ValueTextEquals("message"u8))
        {
            reader.Read();
            _message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            reader.Skip();
            return true;
        }
        return false;
    }
}
