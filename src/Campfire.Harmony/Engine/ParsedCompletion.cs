using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>What a completion contained: its messages in engine terms, the tool calls among them, and any format
/// problems the lenient parse repaired.</summary>
public sealed record ParsedCompletion(ImmutableArray<HarmonyMessage> Messages, ImmutableArray<ToolCall> ToolCalls, ImmutableArray<string> Diagnostics);
