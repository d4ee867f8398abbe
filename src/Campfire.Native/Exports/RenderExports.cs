using System.Runtime.InteropServices;

namespace Campfire.Native.Exports;

/// <summary>Conversation rendering (JSON in, token ids out) and the stop-token sets.</summary>
internal static unsafe class RenderExports
{
    private const int StopAll = 0;
    private const int StopAssistantActions = 1;

    // The reference's stop_tokens() is {<|return|>, <|call|>, <|end|>} and stop_tokens_for_assistant_actions()
    // {<|return|>, <|call|>}; both are sets there, written here in ascending id order.
    private static ReadOnlySpan<int> AllStopTokens => [200002, 200007, 200012];
    private static ReadOnlySpan<int> AssistantActionStopTokens => [200002, 200012];

    [UnmanagedCallersOnly(EntryPoint = "campfire_stop_tokens")]
    public static int StopTokens(int which, int* tokens, nuint capacity, nuint* count)
    {
        try
        {
            if (count == null)
            {
                return Abi.Null("out_count");
            }

            if (!Abi.TryOutput(tokens, capacity, "tokens", out int status))
            {
                return status;
            }

            ReadOnlySpan<int> set = which switch
            {
                StopAll => AllStopTokens,
                StopAssistantActions => AssistantActionStopTokens,
                _ => default,
            };
            if (which is not (StopAll or StopAssistantActions))
            {
                return Abi.Invalid($"which = {which} is not CAMPFIRE_STOP_ALL (0) or CAMPFIRE_STOP_ASSISTANT_ACTIONS (1)");
            }

            return Abi.CopyOut(set, tokens, capacity, count, "the stop-token set");
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }
}
