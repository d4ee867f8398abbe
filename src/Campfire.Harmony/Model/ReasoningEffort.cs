namespace Campfire.Harmony.Model;

/// <summary>How much the model should reason. JSON spells these "Low", "Medium", "High"; the system message "low" etc.</summary>
public enum ReasoningEffort
{
    Low,
    Medium,
    High,
}
