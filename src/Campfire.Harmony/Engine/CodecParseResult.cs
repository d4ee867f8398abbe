using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

internal sealed record CodecParseResult(ImmutableArray<Message> Messages, ImmutableArray<string> Diagnostics);
