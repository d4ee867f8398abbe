using System.Runtime.InteropServices;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native.Exports;

/// <summary>o200k_harmony encode, count and decode over caller buffers.</summary>
internal static unsafe class TokenizerExports
{
    private const int AllowSpecial = 1;

    [UnmanagedCallersOnly(EntryPoint = "campfire_encode")]
    public static int Encode(byte* utf8, nuint length, int flags, int* tokens, nuint capacity, nuint* count)
    {
        try
        {
            if (count == null)
            {
                return Abi.Null("out_count");
            }

            if (!Abi.TryInput(utf8, length, "utf8", out ReadOnlySpan<byte> text, out int status)
                || !Abi.TryOutput(tokens, capacity, "tokens", out status)
                || !TryEncodeFlags(flags, out bool allowSpecial, out status))
            {
                return status;
            }

            using Utf8Input input = Utf8Input.Decode(text, "utf8");
            PooledBufferWriter<int> ids = Scratch.Tokens();
            O200kHarmonyTokenizer.Instance.EncodeToIds(input.Chars, ids, allowSpecial);
            return Abi.CopyOut(ids.WrittenSpan, tokens, capacity, count, "the encoding");
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_count_tokens")]
    public static int CountTokens(byte* utf8, nuint length, int flags, nuint* count)
    {
        try
        {
            if (count == null)
            {
                return Abi.Null("out_count");
            }

            if (!Abi.TryInput(utf8, length, "utf8", out ReadOnlySpan<byte> text, out int status)
                || !TryEncodeFlags(flags, out bool allowSpecial, out status))
            {
                return status;
            }

            using Utf8Input input = Utf8Input.Decode(text, "utf8");
            *count = (nuint)O200kHarmonyTokenizer.Instance.CountTokens(input.Chars, allowSpecial);
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_decode")]
    public static int Decode(int* tokens, nuint count, byte* utf8, nuint capacity, nuint* length)
    {
        try
        {
            if (length == null)
            {
                return Abi.Null("out_length");
            }

            if (!Abi.TryInput(tokens, count, "tokens", out ReadOnlySpan<int> ids, out int status)
                || !Abi.TryOutput(utf8, capacity, "utf8", out status))
            {
                return status;
            }

            // Size first, so that nothing is written unless everything fits (the C contract), and so that an
            // unknown id is reported before any output.
            O200kHarmonyTokenizer tokenizer = O200kHarmonyTokenizer.Instance;
            long required = 0;
            for (int i = 0; i < ids.Length; i++)
            {
                required += TokenBytes(tokenizer, ids[i], i).Length;
            }

            *length = (nuint)required;
            if ((ulong)required > capacity)
            {
                return LastError.Fail(
                    CampfireStatus.BufferTooSmall,
                    $"decoding {ids.Length} tokens needs {required} bytes but the buffer holds {capacity}");
            }

            var destination = new Span<byte>(utf8, (int)required);
            int offset = 0;
            foreach (int id in ids)
            {
                ReadOnlySpan<byte> bytes = tokenizer.GetTokenBytes(id);
                bytes.CopyTo(destination[offset..]);
                offset += bytes.Length;
            }

            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    /// <summary>The bytes of a token, or an UnknownToken status naming the id and where it was.</summary>
    internal static ReadOnlySpan<byte> TokenBytes(O200kHarmonyTokenizer tokenizer, int id, int index)
    {
        if (!tokenizer.IsValidId(id))
        {
            throw new NativeStatusException(
                CampfireStatus.UnknownToken,
                index >= 0 ? $"token id {id} at index {index} is not in o200k_harmony" : $"token id {id} is not in o200k_harmony");
        }

        return tokenizer.GetTokenBytes(id);
    }

    private static bool TryEncodeFlags(int flags, out bool allowSpecial, out int status)
    {
        allowSpecial = (flags & AllowSpecial) != 0;
        if ((flags & ~AllowSpecial) != 0)
        {
            status = Abi.Invalid($"flags 0x{flags:x} has bits other than CAMPFIRE_ENCODE_ALLOW_SPECIAL (1)");
            return false;
        }

        status = Abi.Ok;
        return true;
    }
}
