using Campfire.Harmony;

namespace Campfire.Decoding;

/// <summary>A second generation was started on a model that is still generating.</summary>
public sealed class GeneratorBusyException() : HarmonyException("the model is already generating; one generation at a time per loaded model");
