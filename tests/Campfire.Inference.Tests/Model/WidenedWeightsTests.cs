using Campfire.Inference.Model;
using Campfire.Inference.Runtime;

namespace Campfire.Inference.Tests.Model;

public sealed class WidenedWeightsTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void Float32_widens_the_small_dense_weights_once_at_load_and_leaves_the_projections_and_unembedding_the_kernels_read_as_stored()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        var c = model.Config;
        long perLayer = (c.QueryWidth + 2L * c.KeyValueWidth)                        // fused QKV bias
                        + c.HiddenSize                                              // output projection's bias
                        + (long)c.NumExperts * (c.HiddenSize + 1)                  // router
                        + (long)c.NumExperts * (2L * c.IntermediateSize + c.HiddenSize); // expert biases
        long expected = c.NumHiddenLayers * perLayer * sizeof(float);
        Assert.Equal(expected, model.WidenedWeightBytes);
    }

    [Fact]
    public void Bfloat16_keeps_the_checkpoint_weights_as_they_are()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.BFloat16);
        Assert.Equal(0, model.WidenedWeightBytes);
    }
}
