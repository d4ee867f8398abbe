using System.Runtime.InteropServices;
using System.Text.Unicode;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Native.Constraints;

namespace Campfire.Native.Exports;

/// <summary>campfire_grammar / campfire_constraint: Campfire's Harmony grammar as a token mask for hosts that run their
/// own model (llama.cpp and the like): build the grammar of a conversation once, start one constraint per sequence, and
/// before each sampling step fill the host's mask buffer, then accept the sampled id.</summary>
internal static unsafe class ConstraintExports
{
    internal static readonly HandleTable<HarmonyTokenGrammar> Grammars = new(HandleKind.Grammar);
    internal static readonly HandleTable<NativeConstraint> Constraints = new(HandleKind.Constraint);

    [UnmanagedCallersOnly(EntryPoint = "campfire_grammar_create")]
    public static int CreateGrammar(byte* json, nuint length, nint* grammar)
    {
        try
        {
            if (grammar == null)
            {
                return Abi.Null("out_grammar");
            }

            if (!Abi.TryInput(json, length, "json", out ReadOnlySpan<byte> utf8, out int status))
            {
                return status;
            }

            if (!Utf8.IsValid(utf8))
            {
                return LastError.Fail(CampfireStatus.InvalidUtf8, "json is not valid UTF-8");
            }

            Conversation conversation = HarmonyJson.ParseConversation(utf8);
            HarmonyTokenGrammar compiled;
            try
            {
                compiled = HarmonyTokenGrammar.ForConversation(conversation);
            }
            catch (ConstraintSchemaException e)
            {
                return LastError.Fail(CampfireStatus.InvalidConversation, e.Message.ReplaceLineEndings(" "));
            }

            *grammar = Grammars.Add(compiled);
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_grammar_free")]
    public static int FreeGrammar(nint handle)
    {
        try
        {
            CampfireStatus status = Grammars.Remove(handle, out _);
            return status == CampfireStatus.Ok ? Abi.Ok : LastError.Fail(status, Grammars.Describe(status, handle));
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_constraint_create")]
    public static int CreateConstraint(nint grammarHandle, int* forcedHeader, nuint count, nint* constraint)
    {
        try
        {
            if (constraint == null)
            {
                return Abi.Null("out_constraint");
            }

            CampfireStatus found = Grammars.TryGet(grammarHandle, out HarmonyTokenGrammar grammar);
            if (found != CampfireStatus.Ok)
            {
                return LastError.Fail(found, Grammars.Describe(found, grammarHandle));
            }

            if (!Abi.TryInput(forcedHeader, count, "forced_header", out ReadOnlySpan<int> forced, out int status))
            {
                return status;
            }

            ITokenConstraint started;
            try
            {
                started = grammar.Start(forced);
            }
            catch (ArgumentException e)
            {
                return LastError.Fail(CampfireStatus.TokenNotAllowed, e.Message.ReplaceLineEndings(" "));
            }

            *constraint = Constraints.Add(new NativeConstraint(started));
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_constraint_fill_mask")]
    public static int FillMask(nint handle, ulong* mask, nuint words)
    {
        try
        {
            if (!TryResolve(handle, out NativeConstraint constraint, out int status))
            {
                return status;
            }

            if (mask == null && words != 0)
            {
                return Abi.Null("mask");
            }

            return constraint.FillMask(new Span<ulong>(mask, (int)Math.Min(words, (nuint)int.MaxValue)));
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_constraint_accept")]
    public static int Accept(nint handle, int token)
    {
        try
        {
            return TryResolve(handle, out NativeConstraint constraint, out int status) ? constraint.Accept(token) : status;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_constraint_prepare")]
    public static int Prepare(nint handle)
    {
        try
        {
            if (!TryResolve(handle, out NativeConstraint constraint, out int status))
            {
                return status;
            }

            constraint.Prepare();
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_constraint_is_complete")]
    public static int IsComplete(nint handle, int* complete)
    {
        try
        {
            if (!TryResolve(handle, out NativeConstraint constraint, out int status))
            {
                return status;
            }

            if (complete == null)
            {
                return Abi.Null("out_complete");
            }

            *complete = constraint.IsComplete ? 1 : 0;
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_constraint_free")]
    public static int FreeConstraint(nint handle)
    {
        try
        {
            CampfireStatus status = Constraints.Remove(handle, out _);
            return status == CampfireStatus.Ok ? Abi.Ok : LastError.Fail(status, Constraints.Describe(status, handle));
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    private static bool TryResolve(nint handle, out NativeConstraint constraint, out int status)
    {
        CampfireStatus found = Constraints.TryGet(handle, out constraint);
        status = found == CampfireStatus.Ok ? Abi.Ok : LastError.Fail(found, Constraints.Describe(found, handle));
        return found == CampfireStatus.Ok;
    }
}
