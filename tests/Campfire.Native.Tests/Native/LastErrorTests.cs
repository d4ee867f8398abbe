using Campfire.Harmony.Json;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Campfire.Native;

namespace Campfire.Native.Tests.Native;

public sealed class LastErrorTests
{
    [Fact]
    public void Library_exceptions_map_to_their_status_codes()
    {
        Assert.Equal(CampfireStatus.MalformedJson, LastError.Classify(new HarmonyJsonException("$.messages", "expected an array")));
        Assert.Equal(CampfireStatus.ParseError,
            LastError.Classify(new HarmonyParseException(HarmonyParseError.UnexpectedToken, 3, HarmonyParseState.ExpectStart, "x")));
        Assert.Equal(CampfireStatus.UnknownToken, LastError.Classify(Assert.ThrowsAny<UnknownTokenIdException>(
            () => O200kHarmonyTokenizer.Instance.GetTokenBytes(-1).ToArray())));
        Assert.Equal(CampfireStatus.InvalidState, LastError.Classify(new NativeStatusException(CampfireStatus.InvalidState, "x")));
    }

    [Fact]
    public void Anything_else_is_an_internal_error_that_names_the_exception()
    {
        int status = LastError.FromException(new InvalidOperationException("broken\ninvariant"));

        Assert.Equal((int)CampfireStatus.Internal, status);
        Assert.Equal(CampfireStatus.Internal, LastError.Status);
        Assert.Equal("internal error (InvalidOperationException): broken invariant", LastError.Message);
    }

    [Fact]
    public void The_last_error_belongs_to_the_thread_that_failed()
    {
        LastError.Clear();
        var other = new Thread(() => LastError.Fail(CampfireStatus.ParseError, "elsewhere"));
        other.Start();
        other.Join();

        Assert.Equal(CampfireStatus.Ok, LastError.Status);
        Assert.Equal(string.Empty, LastError.Message);
    }
}
