using System.Collections.Concurrent;
using System.Reflection;
using BenchmarkDotNet.Running;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// Reads the <see cref="ITokenWorkload"/> size of a benchmark case in the host process: a fresh instance with the
/// case's <c>[Params]</c> values, after its <c>[GlobalSetup]</c>. This works whether the case ran in-process or in a
/// child process, and costs one extra setup per class and parameter combination.
/// </summary>
public static class WorkloadProbe
{
    static readonly ConcurrentDictionary<string, object?> Instances = new(StringComparer.Ordinal);

    public static WorkloadSize SizeOf(BenchmarkCase benchmarkCase)
    {
        var descriptor = benchmarkCase.Descriptor;
        if (!typeof(ITokenWorkload).IsAssignableFrom(descriptor.Type))
            return default;
        var key = descriptor.Type.FullName + "|" + benchmarkCase.Parameters.DisplayInfo;
        var instance = Instances.GetOrAdd(key, _ => TryCreateSetUp(benchmarkCase));
        return instance is ITokenWorkload workload ? workload.SizeOf(descriptor.WorkloadMethod.Name) : default;
    }

    static object? TryCreateSetUp(BenchmarkCase benchmarkCase)
    {
        try
        {
            return CreateSetUp(benchmarkCase);
        }
        catch (Exception e)
        {
            // A probe failure only blanks the per-token columns; the benchmark's own result still stands.
            Console.Error.WriteLine($"campfire bench: cannot read the workload size of {benchmarkCase.Descriptor.Type.Name}: {e.GetBaseException().Message}");
            return null;
        }
    }

    /// <summary>A new instance of the case's class with its [Params] values set and its [GlobalSetup] run.</summary>
    public static object CreateSetUp(BenchmarkCase benchmarkCase)
    {
        var descriptor = benchmarkCase.Descriptor;
        var instance = Activator.CreateInstance(descriptor.Type)!;
        foreach (var parameter in benchmarkCase.Parameters.Items)
        {
            if (parameter.IsArgument)
                continue;
            const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
            if (descriptor.Type.GetProperty(parameter.Name, flags) is { } property)
                property.SetValue(property.GetMethod!.IsStatic ? null : instance, parameter.Value);
            else
                descriptor.Type.GetField(parameter.Name, flags)?.SetValue(instance, parameter.Value);
        }
        Await(descriptor.GlobalSetupMethod?.Invoke(instance, null));
        return instance;
    }

    /// <summary>Runs the case's [GlobalCleanup] (releases native handles and the like).</summary>
    public static void CleanUp(BenchmarkCase benchmarkCase, object instance)
    {
        Await(benchmarkCase.Descriptor.GlobalCleanupMethod?.Invoke(instance, null));
        (instance as IDisposable)?.Dispose();
    }

    static void Await(object? result)
    {
        if (result is Task task)
            task.GetAwaiter().GetResult();
        else if (result is ValueTask valueTask)
            valueTask.GetAwaiter().GetResult();
    }
}
