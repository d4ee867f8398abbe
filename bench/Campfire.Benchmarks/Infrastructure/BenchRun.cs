using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Campfire.Benchmarks.Guard;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>Where and how a run was made: printed with every table so that figures are never read without it.</summary>
public sealed record MachineInfo(string Cpu, int LogicalCores, string Os, string Runtime, string Architecture)
{
    public static MachineInfo Current() => new(
        CpuName(),
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.ProcessArchitecture.ToString());

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Cpu}, {LogicalCores} logical cores, {Os}, {Runtime} {Architecture}");

    static string CpuName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null)
                    return line[(line.IndexOf(':') + 1)..].Trim();
            }
        }
        catch (IOException)
        {
        }
        return "unknown CPU";
    }
}

/// <summary>One run of the suites or of the guard: what the JSON results and the history files hold.</summary>
public sealed record BenchRun(
    DateTimeOffset Date,
    string Mode,
    string Command,
    MachineInfo Machine,
    IReadOnlyList<BenchMeasurement> Measurements,
    GuardVerdict? Guard,
    double DurationSeconds)
{
    public const int SchemaVersion = 1;

    public int Schema => SchemaVersion;

    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static BenchRun FromJson(string json) =>
        JsonSerializer.Deserialize<BenchRun>(json, Options) ?? throw new JsonException("empty benchmark result file");
}
