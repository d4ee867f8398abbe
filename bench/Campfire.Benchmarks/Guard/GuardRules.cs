using System.Reflection;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Guard;

/// <summary>Collects the guard's rules from the <see cref="HotPathAttribute"/>s of an assembly's benchmarks.</summary>
public static class GuardRules
{
    public const string CalibrationNamespace = "Campfire.Benchmarks.Calibration";

    public static IReadOnlyList<(Type Type, MethodInfo Method, GuardRule Rule)> Discover(
        Assembly assembly, bool includeCalibration, IReadOnlyList<string> filters)
    {
        var found = new List<(Type, MethodInfo, GuardRule)>();
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            if (!includeCalibration && type.Namespace == CalibrationNamespace)
                continue;
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            {
                if (method.GetCustomAttribute<HotPathAttribute>() is not { } hot || method.GetCustomAttribute<BenchmarkAttribute>() is null)
                    continue;
                if (!Glob.AnyMatch(filters, type.FullName + "." + method.Name))
                    continue;
                found.Add((type, method, new GuardRule(SummaryReader.KeyOf(type, method.Name), hot.ZeroAllocation, hot.MinSpeedup,
                    hot.ParametersContaining, hot.Goal, hot.MaxAllocatedBytes)));
            }
        }
        return found;
    }
}
