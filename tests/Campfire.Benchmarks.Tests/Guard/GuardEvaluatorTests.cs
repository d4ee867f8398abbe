using Campfire.Benchmarks.Guard;
using Campfire.Benchmarks.Infrastructure;
using static Campfire.Benchmarks.Tests.Measurements;

namespace Campfire.Benchmarks.Tests.Guard;

public class GuardEvaluatorTests
{
    const string Encode = "Tokenizer.EncodeBenchmarks.EncodeIntoBuffer";
    const string Baseline = "Tokenizer.EncodeBenchmarks.MicrosoftMlTokenizers";
    static readonly GuardRule EncodeRule = new(Encode, RequireZeroAllocation: true, MinSpeedup: 2, Goal: "4x");

    static GuardVerdict Guard(IReadOnlyList<GuardRule> rules, IReadOnlyList<BenchMeasurement> first, IReadOnlyList<BenchMeasurement>? second = null)
    {
        var attempt = GuardEvaluator.Evaluate(rules, first);
        if (attempt.Passed || second is null)
            return GuardEvaluator.Decide(attempt, null);
        var again = GuardEvaluator.RulesToRemeasure(rules, attempt);
        return GuardEvaluator.Decide(attempt, GuardEvaluator.Evaluate(again, second));
    }

    [Fact]
    public void Zero_allocation_hot_path_above_its_floor_passes()
    {
        var verdict = Guard([EncodeRule], [Of(Baseline, 4000, allocated: 9000, baseline: true), Of(Encode, 1000)]);

        Assert.True(verdict.Passed);
        var speedup = Assert.Single(verdict.Checks, c => c.Kind == GuardCheckKind.SpeedupFloor);
        Assert.Equal(4.0, speedup.Observed, 6);
    }

    [Fact]
    public void A_bounded_allocation_passes_at_its_ceiling_and_fails_one_byte_over()
    {
        var rule = new GuardRule(Encode, RequireZeroAllocation: false, MinSpeedup: 0, MaxAllocatedBytes: 16 * 1024);

        Assert.True(Guard([rule], [Of(Encode, 1000, allocated: 16 * 1024)]).Passed);
        var verdict = Guard([rule], [Of(Encode, 1000, allocated: 16 * 1024 + 1)]);
        Assert.False(verdict.Passed);
        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.Equal(GuardCheckKind.AllocationCeiling, failure.Kind);
        Assert.Contains("over the ceiling", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Deliberately_allocating_hot_path_fails_even_when_fast()
    {
        var verdict = Guard([EncodeRule], [Of(Baseline, 100_000, baseline: true), Of(Encode, 1000, allocated: 24)]);

        Assert.False(verdict.Passed);
        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.Equal(GuardCheckKind.ZeroAllocation, failure.Kind);
        Assert.Equal(24, failure.Observed);
        Assert.Contains("24 B/op", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_allocated_byte_per_operation_fails()
    {
        var verdict = Guard([EncodeRule], [Of(Baseline, 4000, baseline: true), Of(Encode, 1000, allocated: 1)]);

        Assert.False(verdict.Passed);
    }

    [Fact]
    public void Allocation_that_persists_on_remeasure_fails()
    {
        var run = new[] { Of(Baseline, 4000, baseline: true), Of(Encode, 1000, allocated: 32) };

        var verdict = Guard([EncodeRule], run, run);

        Assert.False(verdict.Passed);
        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.True(failure.Remeasured);
        Assert.Contains("failed twice", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Ratio_below_the_floor_fails()
    {
        var verdict = Guard([EncodeRule], [Of(Baseline, 1500, baseline: true), Of(Encode, 1000)]);

        Assert.False(verdict.Passed);
        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.Equal(GuardCheckKind.SpeedupFloor, failure.Kind);
        Assert.Equal(1.5, failure.Observed, 6);
        Assert.Contains("below the floor", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Ratio_exactly_at_the_floor_passes()
    {
        Assert.True(Guard([EncodeRule], [Of(Baseline, 2000, baseline: true), Of(Encode, 1000)]).Passed);
    }

    [Fact]
    public void Noisy_first_failure_that_passes_on_remeasure_passes()
    {
        var noisy = new[] { Of(Baseline, 1200, baseline: true), Of(Encode, 1000) };
        var calm = new[] { Of(Baseline, 4100, baseline: true), Of(Encode, 1000) };

        var verdict = Guard([EncodeRule], noisy, calm);

        Assert.True(verdict.Passed);
        Assert.False(verdict.First.Passed);
        Assert.NotNull(verdict.Remeasure);
        var speedup = Assert.Single(verdict.Checks, c => c.Kind == GuardCheckKind.SpeedupFloor);
        Assert.True(speedup.Remeasured);
        Assert.Contains("passed on re-measure", speedup.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Ratio_below_the_floor_twice_fails()
    {
        var slow = new[] { Of(Baseline, 1200, baseline: true), Of(Encode, 1000) };

        var verdict = Guard([EncodeRule], slow, slow);

        Assert.False(verdict.Passed);
    }

    [Fact]
    public void Absolute_times_are_never_gated()
    {
        // A hot path taking a whole second per operation passes as long as its ratio and allocation hold.
        var verdict = Guard([EncodeRule], [Of(Baseline, 5e9, baseline: true), Of(Encode, 1e9)]);

        Assert.True(verdict.Passed);
    }

    [Fact]
    public void Only_the_failing_rules_are_remeasured()
    {
        var render = new GuardRule("Rendering.RenderBenchmarks.Warm", true, 5);
        var rules = new[] { EncodeRule, render };
        var first = GuardEvaluator.Evaluate(rules,
        [
            Of(Baseline, 4000, baseline: true), Of(Encode, 1000),
            Of("Rendering.RenderBenchmarks.Naive", 3000, baseline: true), Of("Rendering.RenderBenchmarks.Warm", 1000),
        ]);

        var again = GuardEvaluator.RulesToRemeasure(rules, first);

        Assert.Equal([render], again);
    }

    [Fact]
    public void Missing_baseline_fails_the_ratio_check()
    {
        var verdict = Guard([EncodeRule], [Of(Encode, 1000)]);

        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.Equal(GuardCheckKind.SpeedupFloor, failure.Kind);
        Assert.Contains("no baseline", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_baseline_fails_the_ratio_check()
    {
        var verdict = Guard([EncodeRule], [Of(Baseline, 0, baseline: true, succeeded: false), Of(Encode, 1000)]);

        Assert.False(verdict.Passed);
        Assert.Contains(verdict.Checks, c => !c.Passed && c.Detail.Contains("failed", StringComparison.Ordinal));
    }

    [Fact]
    public void Hot_path_that_threw_fails()
    {
        var verdict = Guard([EncodeRule], [Of(Baseline, 4000, baseline: true), Of(Encode, 0, succeeded: false)]);

        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.Equal(GuardCheckKind.Ran, failure.Kind);
    }

    [Fact]
    public void Guarded_benchmark_without_any_result_fails()
    {
        var verdict = Guard([EncodeRule], [Of(Baseline, 4000, baseline: true)]);

        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.Equal(GuardCheckKind.Ran, failure.Kind);
        Assert.Contains("did not run", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_allocation_fails_because_the_gate_cannot_be_checked()
    {
        var verdict = Guard([EncodeRule], [Of(Baseline, 4000, baseline: true), Of(Encode, 1000, allocated: null)]);

        Assert.Contains(verdict.Checks, c => !c.Passed && c.Kind == GuardCheckKind.ZeroAllocation);
    }

    [Fact]
    public void Rule_without_floor_gates_allocation_only()
    {
        var decodeLoop = new GuardRule("Inference.DecodeLoopBenchmarks.FakeModelStep", RequireZeroAllocation: true, MinSpeedup: 0);

        var verdict = Guard([decodeLoop], [Of("Inference.DecodeLoopBenchmarks.FakeModelStep", 50_000)]);

        Assert.True(verdict.Passed);
        Assert.DoesNotContain(verdict.Checks, c => c.Kind == GuardCheckKind.SpeedupFloor);
    }

    [Fact]
    public void Every_parameter_combination_is_checked_and_one_bad_one_fails()
    {
        var verdict = Guard([EncodeRule],
        [
            Of(Baseline, 4000, baseline: true, parameters: "Corpus=Prose"), Of(Encode, 1000, parameters: "Corpus=Prose"),
            Of(Baseline, 1500, baseline: true, parameters: "Corpus=Multilingual"), Of(Encode, 1000, parameters: "Corpus=Multilingual"),
        ]);

        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.Equal(Encode + "(Corpus=Multilingual)", failure.Case);
    }

    [Fact]
    public void Parameter_restricted_rule_ignores_other_combinations()
    {
        var rule = EncodeRule with { ParametersContaining = "Corpus=Prose" };

        var verdict = Guard([rule],
        [
            Of(Baseline, 4000, baseline: true, parameters: "Corpus=Prose"), Of(Encode, 1000, parameters: "Corpus=Prose"),
            Of(Encode, 1000, allocated: 500, parameters: "Corpus=NoSpace"),
        ]);

        Assert.True(verdict.Passed);
    }

    [Fact]
    public void Remeasured_case_that_failed_to_run_first_gets_all_its_checks()
    {
        var first = new[] { Of(Baseline, 4000, baseline: true), Of(Encode, 0, succeeded: false) };
        var second = new[] { Of(Baseline, 4000, baseline: true), Of(Encode, 1000, allocated: 8) };

        var verdict = Guard([EncodeRule], first, second);

        Assert.False(verdict.Passed);
        Assert.Contains(verdict.Checks, c => c.Kind == GuardCheckKind.ZeroAllocation && !c.Passed);
    }

    [Fact]
    public void Exact_probe_decides_over_BenchmarkDotNet_background_noise()
    {
        var noisy = Of(Encode, 1000, allocated: 46) with { ProbedAllocatedBytesPerOperation = 0 };

        var verdict = Guard([EncodeRule], [Of(Baseline, 4000, baseline: true), noisy]);

        Assert.True(verdict.Passed);
        Assert.Contains("BenchmarkDotNet: 46 B/op", Assert.Single(verdict.Checks, c => c.Kind == GuardCheckKind.ZeroAllocation).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_catching_an_allocation_fails_even_when_BenchmarkDotNet_rounded_it_away()
    {
        var leaking = Of(Encode, 1000, allocated: 0) with { ProbedAllocatedBytesPerOperation = 3 };

        var verdict = Guard([EncodeRule], [Of(Baseline, 4000, baseline: true), leaking]);

        var failure = Assert.Single(verdict.Checks, c => !c.Passed);
        Assert.Equal(GuardCheckKind.ZeroAllocation, failure.Kind);
        Assert.Contains("3 B/op in the probe loop", failure.Detail, StringComparison.Ordinal);
    }
}
