namespace Campfire.Harmony.Model;

/// <summary>How much the model should reason. JSON spells these "Low", "Medium", "High"; the system message "low" etc.</summary>
public enum ReasoningEffort
{
    /// <summary>Little reasoning: fastest answers (<c>Reasoning: low</c>).</summary>
    Low,

    /// <summary>The reference's default (<c>Reasoning: medium</c>).</summary>
    Medium,

    /// <summary>The most reasoning: slowest, for hard problems (<c>Reasoning: high</c>).</summary>
    High,
}
