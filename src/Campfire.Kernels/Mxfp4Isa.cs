namespace Campfire.Kernels;

/// <summary>The instruction set a kernel runs with; <see cref="Mxfp4MatVec.Best"/> is the widest this CPU has.</summary>
public enum Mxfp4Isa
{
    /// <summary>Plain C#, one element at a time: the fallback and the reference for the vector paths.</summary>
    Scalar,

    /// <summary>AVX2 + FMA: 8 floats per vector, an 8-entry magnitude table with the sign bit applied separately.</summary>
    Avx2,

    /// <summary>AVX-512F: 16 floats per vector, the whole 16-entry E2M1 table in one register.</summary>
    Avx512,
}
