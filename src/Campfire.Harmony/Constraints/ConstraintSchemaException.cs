namespace Campfire.Harmony.Constraints;

/// <summary>A tool's parameter schema cannot be compiled into a token grammar (thrown when the grammar is built, never
/// while generating).</summary>
public sealed class ConstraintSchemaException : HarmonyException
{
    /// <summary>Creates the exception for <paramref name="tool"/>'s schema at <paramref name="path"/>.</summary>
    public ConstraintSchemaException(string tool, string path, string detail)
        : base($"cannot constrain calls to {tool}: its parameter schema at {path} {detail}")
    {
        Tool = tool;
        Path = path;
    }

    /// <summary>The tool (recipient) whose schema was refused.</summary>
    public string Tool { get; }

    /// <summary>Where in the schema (<c>$.properties.location</c>).</summary>
    public string Path { get; }
}
