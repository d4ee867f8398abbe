using Campfire.Harmony;

namespace Campfire.Kernels;

/// <summary>Arguments a kernel cannot run on: mismatched shapes, an empty matrix, an instruction set this CPU lacks.</summary>
public sealed class Mxfp4KernelException(string message) : HarmonyException(message);
