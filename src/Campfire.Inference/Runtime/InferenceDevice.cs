using System.Runtime.InteropServices;
using TorchSharp;

namespace Campfire.Inference.Runtime;

public enum InferenceDevice { Cpu, Cuda }
