using System.Runtime.InteropServices;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native.Exports;

/// <summary>campfire_decoder: token-at-a-time decoding that never emits half a character.</summary>
internal static unsafe class DecoderExports
{
    internal static readonly HandleTable<StreamingTextDecoder> Decoders = new(HandleKind.StreamDecoder);

    [UnmanagedCallersOnly(EntryPoint = "campfire_decoder_create")]
    public static int Create(nint* decoder)
    {
        try
        {
            if (decoder == null)
            {
                return Abi.Null("out_decoder");
            }

            *decoder = Decoders.Add(new StreamingTextDecoder());
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_decoder_feed")]
    public static int Feed(nint handle, int token, byte* utf8, nuint capacity, nuint* length)
    {
        try
        {
            if (!TryResolve(handle, out StreamingTextDecoder decoder, out int status)
                || !CheckOutput(utf8, capacity, length, out status))
            {
                return status;
            }

            ReadOnlySpan<byte> bytes = TokenizerExports.TokenBytes(O200kHarmonyTokenizer.Instance, token, -1);
            PooledBufferWriter<byte> text = Scratch.Bytes();
            int heldBack = decoder.Decode(bytes, text, final: false);
            status = Abi.CopyOut(text.WrittenSpan, utf8, capacity, length, "the decoded text");
            if (status == Abi.Ok)
            {
                decoder.Commit(bytes, heldBack);
            }

            return status;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_decoder_finish")]
    public static int Finish(nint handle, byte* utf8, nuint capacity, nuint* length)
    {
        try
        {
            if (!TryResolve(handle, out StreamingTextDecoder decoder, out int status)
                || !CheckOutput(utf8, capacity, length, out status))
            {
                return status;
            }

            int held = decoder.HeldCount;
            PooledBufferWriter<byte> text = Scratch.Bytes();
            decoder.Decode(default, text, final: true);
            status = Abi.CopyOut(text.WrittenSpan, utf8, capacity, length, "the decoded text");
            if (status != Abi.Ok)
            {
                return status;
            }

            decoder.Clear();
            return held == 0
                ? Abi.Ok
                : LastError.Fail(
                    CampfireStatus.InvalidUtf8,
                    $"the stream ended inside a character ({held} byte(s) of it); they were replaced by U+FFFD");
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_decoder_free")]
    public static int Free(nint handle)
    {
        try
        {
            CampfireStatus status = Decoders.Remove(handle, out _);
            return status == CampfireStatus.Ok ? Abi.Ok : LastError.Fail(status, Decoders.Describe(status, handle));
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    private static bool TryResolve(nint handle, out StreamingTextDecoder decoder, out int status)
    {
        CampfireStatus found = Decoders.TryGet(handle, out decoder);
        status = found == CampfireStatus.Ok ? Abi.Ok : LastError.Fail(found, Decoders.Describe(found, handle));
        return found == CampfireStatus.Ok;
    }

    private static bool CheckOutput(byte* utf8, nuint capacity, nuint* length, out int status)
    {
        if (length == null)
        {
            status = Abi.Null("out_length");
            return false;
        }

        return Abi.TryOutput(utf8, capacity, "utf8", out status);
    }
}
