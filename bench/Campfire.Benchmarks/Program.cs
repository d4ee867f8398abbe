using Campfire.Benchmarks.Guard;
using Campfire.Benchmarks.Infrastructure;

if (Campfire.Benchmarks.Tokenizer.WholeProcessTool.TryRun(args) is { } toolExit) return toolExit;
if (Campfire.Benchmarks.Native.NativeAbiTimingTool.TryRun(args) is { } abiExit) return abiExit;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"campfire bench: {e.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var command = "dotnet run -c Release --project bench/Campfire.Benchmarks --" + string.Concat(args.Where(a => a != "--update-docs").Select(a => " " + a));
return options.Guard
    ? GuardRunner.Run(options, typeof(BenchOptions).Assembly, command)
    : SuiteRunner.Run(options, typeof(BenchOptions).Assembly, command);
