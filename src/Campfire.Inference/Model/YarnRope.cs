namespace Campfire.Inference.Model;

/// <summary>
/// YaRN rotary embedding of gpt-oss: NTK-by-parts blend of original and 1/factor frequencies, with cos and sin
/// multiplied by the concentration 0.1·ln(factor) + 1. Computed in float64 on the host.
/// </summary>
public sealed class YarnRope
{
    public YarnRope(GptOssConfig config)
    {
        int half = config.HeadDim / 2;
        InvFreq = new double[half];
        double s = config.RopeScalingFactor;
        Concentration = s > 1 ? 0.1 * Math.Log(s) + 1.0 : 1.0;
        var (low, high) = s > 1 ? NtkBounds(config) : (0, 0);
        for (int i = 0; i < half; i++)
        {
            double freq = Math.Pow(config.RopeTheta, 2.0 * i / config.HeadDim);
            if (s > 1)
            {
                double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
                double mask = 1 - ramp;
                InvFreq[i] = 1.0 / (s * freq) * (1 - mask) + 1.0 / freq * mask;
            }
            else
            {
                InvFreq[i] = 1.0 / freq;
            }
        }
    }

    public double[] InvFreq { get; }
    public double Concentration { get; }

    public static (double Low, double High) NtkBounds(GptOssConfig c)
    {
        double half = c.HeadDim / 2.0;
        double low = half * Math.Log(c.InitialContextLength / (c.RopeNtkBeta * 2 * Math.PI)) / Math.Log(c.RopeTheta);
        double high = half * Math.Log(c.InitialContextLength / (c.RopeNtkAlpha * 2 * Math.PI)) / Math.Log(c.RopeTheta);
        return (low, high);
    }

    /// <summary>Fills cos and sin (already scaled by the concentration), row-major [positions, head_dim/2].</summary>
    public void Fill(long firstPosition, int count, Span<float> cos, Span<float> sin)
    {
        int half = InvFreq.Length;
        for (int t = 0; t < count; t++)
        {
            double p = firstPosition + t;
            for (int i = 0; i < half; i++)
            {
                double angle = p * InvFreq[i];
                cos[t * half + i] = (float)(Math.Cos(angle) * Concentration);
                sin[t * half + i] = (float)(Math.Sin(angle) * Concentration);
            }
        }
    }
}
