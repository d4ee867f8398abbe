namespace Campfire.Inference.Runtime;

public enum InferenceDevice { Cpu, Cuda }
