using Campfire.Harmony.Testing;

namespace Campfire.Guidance;

/// <summary>
/// The scripted conversation behind <c>campfire demo</c>: what a model would write to answer
/// <see cref="Question"/> from the sample corpus (think, search, open the choking sheet, answer with citations).
/// It is a script, not a model: it only fits the sample corpus and this question.
/// </summary>
public static class EmergencyDemo
{
    public const string Question = "Someone is choking, what should I do?";

    /// <summary>The three model turns, as Harmony text after the <c>&lt;|start|&gt;assistant</c> prefill.</summary>
    public static IReadOnlyList<string> ScriptedCompletions { get; } =
    [
        "<|channel|>analysis<|message|>The user describes a choking emergency. Look up the first-aid sheet on choking " +
        "before answering.<|end|><|start|>assistant<|channel|>analysis to=browser.search code<|message|>" +
        """{"query": "someone is choking what to do", "topn": 3}""" + "<|call|>",

        "<|channel|>analysis<|message|>The first result is the choking sheet. Open it from the top." +
        "<|end|><|start|>assistant<|channel|>analysis to=browser.open code<|message|>" +
        """{"cursor": 0, "id": 0, "loc": 0}""" + "<|call|>",

        "<|channel|>analysis<|message|>The sheet covers it: call for help, back blows, abdominal thrusts, CPR if " +
        "unresponsive, special cases. Answer in short steps and cite the lines.<|end|>" +
        "<|start|>assistant<|channel|>final<|message|>" + Answer + "<|return|>",
    ];

    /// <summary>The scripted final answer; its citations point into the opened choking sheet (cursor 1).</summary>
    public const string Answer =
        "If the person can still cough forcefully, encourage them to keep coughing and stay with them 【1†L11-L12】.\n" +
        "If they cannot cough, speak or breathe:\n\n" +
        "1. Call your local emergency number now, or have someone call 【1†L15】.\n" +
        "2. Lean them well forward and give up to 5 firm back blows between the shoulder blades with the heel of your hand 【1†L16-L19】.\n" +
        "3. If the airway is still blocked, give up to 5 abdominal thrusts: a fist just above the navel, pulled sharply inwards and upwards 【1†L20-L22】.\n" +
        "4. Keep alternating 5 back blows and 5 abdominal thrusts until the object comes out, they can breathe, or help arrives 【1†L23-L24】.\n" +
        "5. If they become unresponsive, lower them to the ground and start CPR 【1†L27-L28】.\n\n" +
        "For a pregnant or very large person use chest thrusts instead; never give abdominal thrusts to a baby under one year 【1†L32-L35】. " +
        "Anyone who received abdominal thrusts should see a health worker afterwards 【1†L36-L37】.";

    /// <summary>A fresh scripted model for one demo run.</summary>
    public static ScriptedTokenGenerator CreateScriptedModel(TimeSpan tokenDelay = default) =>
        ScriptedTokenGenerator.FromHarmonyText(ScriptedCompletions, tokenDelay);
}
