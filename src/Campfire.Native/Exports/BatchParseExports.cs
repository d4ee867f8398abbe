using System.Runtime.InteropServices;
using System.Text.Json;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Campfire.Native.Parsing;

namespace Campfire.Native.Exports;

/// <summary>campfire_parse_completion: a whole completion to the reference's JSON.</summary>
internal static unsafe class BatchParseExports
{
    [UnmanagedCallersOnly(EntryPoint = "campfire_parse_completion")]
    public static int ParseCompletion(int* tokens, nuint count, int role, int mode, byte* json, nuint capacity, nuint* length)
    {
        try
        {
            if (length == null)
            {
                return Abi.Null("out_length");
            }

            if (!Abi.TryInput(tokens, count, "tokens", out ReadOnlySpan<int> ids, out int status)
                || !Abi.TryOutput(json, capacity, "json", out status)
                || !NativeParser.TryCheckOptions(role, mode, out status))
            {
                return status;
            }

            var parseMode = (ParseMode)mode;
            if (parseMode != ParseMode.Lenient)
            {
                for (int i = 0; i < ids.Length; i++)
                {
                    if ((uint)ids[i] >= HarmonyTokens.VocabularySize)
                    {
                        return LastError.Fail(CampfireStatus.UnknownToken, $"token {i}: id {ids[i]} is not in o200k_harmony");
                    }
                }
            }

            HarmonyParseResult result = HarmonyCompletionParser.Parse(
                ids, role == NativeParser.RoleNone ? null : (Role)role, parseMode);

            PooledBufferWriter<byte> output = Scratch.Bytes();
            using (var writer = new Utf8JsonWriter(output, HarmonyJson.WriterOptions))
            {
                writer.WriteStartObject();
                writer.WritePropertyName("messages"u8);
                HarmonyJson.WriteMessages(writer, result.Messages);
                if (parseMode == ParseMode.Lenient)
                {
                    HarmonyParseDiagnosticJson.Write(writer, result.Diagnostics);
                }

                writer.WriteEndObject();
            }

            return Abi.CopyOut(output.WrittenSpan, json, capacity, length, "the messages' JSON");
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }
}
