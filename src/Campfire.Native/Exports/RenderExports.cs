using System.Runtime.InteropServices;
using System.Text.Unicode;
using Campfire.Harmony;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;

namespace Campfire.Native.Exports;

/// <summary>Conversation rendering (the reference's JSON in, token ids out) and the stop-token sets.</summary>
internal static unsafe class RenderExports
{
    private const int KeepAnalysis = 1;
    private const int StopAll = 0;
    private const int StopAssistantActions = 1;

    [UnmanagedCallersOnly(EntryPoint = "campfire_render_conversation")]
    public static int RenderConversation(byte* json, nuint length, int flags, int* tokens, nuint capacity, nuint* count) =>
        Render(json, length, nextRole: null, flags, tokens, capacity, count);

    [UnmanagedCallersOnly(EntryPoint = "campfire_render_conversation_for_completion")]
    public static int RenderConversationForCompletion(
        byte* json, nuint length, int nextRole, int flags, int* tokens, nuint capacity, nuint* count)
    {
        if (nextRole is < (int)Role.User or > (int)Role.Tool)
        {
            return Abi.Invalid($"next_role {nextRole} is not a CAMPFIRE_ROLE_* value (0..4)");
        }

        return Render(json, length, (Role)nextRole, flags, tokens, capacity, count);
    }

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

            // Both sets are already in ascending id order (the reference's are hash sets).
            return which switch
            {
                StopAll => Abi.CopyOut(HarmonyRenderer.StopTokens.AsSpan(), tokens, capacity, count, "the stop-token set"),
                StopAssistantActions => Abi.CopyOut(
                    HarmonyRenderer.StopTokensForAssistantActions.AsSpan(), tokens, capacity, count, "the stop-token set"),
                _ => Abi.Invalid($"which = {which} is not CAMPFIRE_STOP_ALL (0) or CAMPFIRE_STOP_ASSISTANT_ACTIONS (1)"),
            };
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    private static int Render(byte* json, nuint length, Role? nextRole, int flags, int* tokens, nuint capacity, nuint* count)
    {
        try
        {
            if (count == null)
            {
                return Abi.Null("out_count");
            }

            if (!Abi.TryInput(json, length, "json", out ReadOnlySpan<byte> utf8, out int status)
                || !Abi.TryOutput(tokens, capacity, "tokens", out status))
            {
                return status;
            }

            if ((flags & ~KeepAnalysis) != 0)
            {
                return Abi.Invalid($"flags 0x{flags:x} has bits other than CAMPFIRE_RENDER_KEEP_ANALYSIS (1)");
            }

            if (!Utf8.IsValid(utf8))
            {
                return LastError.Fail(CampfireStatus.InvalidUtf8, "json is not valid UTF-8");
            }

            Conversation conversation = HarmonyJson.ParseConversation(utf8);
            RenderOptions options = (flags & KeepAnalysis) != 0 ? RenderOptions.KeepAnalysis : RenderOptions.Default;
            PooledBufferWriter<int> ids = Scratch.Tokens();
            try
            {
                if (nextRole is Role role)
                {
                    HarmonyRenderer.Default.RenderConversationForCompletion(conversation, role, ids, options);
                }
                else
                {
                    HarmonyRenderer.Default.RenderConversation(conversation, ids, options);
                }
            }
            catch (HarmonyException e) when (e is not HarmonyJsonException)
            {
                return LastError.Fail(CampfireStatus.InvalidConversation, e.Message.ReplaceLineEndings(" "));
            }

            return Abi.CopyOut(ids.WrittenSpan, tokens, capacity, count, "the rendering");
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }
}
