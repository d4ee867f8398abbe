namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// Implemented by a benchmark class whose operations process tokens. It is what turns a BenchmarkDotNet time and
/// allocation per operation into the per-token figures the project reports (ns/token, tokens/s, MB/s, B/token).
/// </summary>
/// <remarks>
/// The runner creates its own instance of the class, sets the <c>[Params]</c> values, calls the
/// <c>[GlobalSetup]</c> method and then reads these members, so they must be valid after GlobalSetup and must not
/// depend on a benchmark having run. One "operation" is one invocation of a <c>[Benchmark]</c> method divided by its
/// <c>OperationsPerInvoke</c>, exactly as BenchmarkDotNet counts it.
/// </remarks>
public interface ITokenWorkload
{
    /// <summary>Tokens one operation encodes, decodes, renders, parses or generates.</summary>
    long TokensPerOperation { get; }

    /// <summary>UTF-8 bytes of text one operation consumes or produces; 0 when there is no text side (no MB/s then).</summary>
    long Utf8BytesPerOperation => 0;

    /// <summary>
    /// The workload of one benchmark method. Override when the methods of one class process different amounts
    /// (an incremental render renders only the appended message, a cold render the whole conversation).
    /// </summary>
    WorkloadSize SizeOf(string benchmarkMethod) => new(TokensPerOperation, Utf8BytesPerOperation);
}

/// <summary>Tokens and UTF-8 bytes processed by one benchmark operation.</summary>
public readonly record struct WorkloadSize(long Tokens, long Utf8Bytes);
