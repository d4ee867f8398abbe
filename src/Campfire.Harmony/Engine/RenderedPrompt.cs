using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>The prompt for the assistant's next turn and the ids that end that turn.</summary>
public sealed record RenderedPrompt(ImmutableArray<int> PrefillIds, ImmutableArray<int> StopIds);
