using System.Linq.Expressions;
using System.Runtime.ExceptionServices;
using ExprAD.Compilation;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;
using static ExprAD.Tests.Loops.LoopFunctions;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Memory and concurrency of the loop tape: a recurrence tapes at most 16 bytes per step, a reduction over
/// data tapes nothing (O(1) memory), the per-thread cached tape survives concurrent, re-entrant and throwing
/// calls without mixing values. Capacities are read on a fresh thread, whose cache no earlier test has grown.
/// </summary>
public class LoopTapeTests
{
    private const int Million = 1_000_000;

    /// <summary>Runs <paramref name="work"/> on a new thread (so with an empty tape cache) and rethrows its exception.</summary>
    internal static T OnFreshThread<T>(Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
        });
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    private static double[] NearOne(int n) => Enumerable.Range(0, n).Select(i => 1 + 1e-7 * i).ToArray();

    [Fact]
    public void RecurrenceOverAMillionStepsTapesAtMostSixteenBytesPerStep()
    {
        var gradient = AD.Differentiate(Recurrence());
        var x = NearOne(Million);
        var (value, g, capacity, capacityAfterSecondCall) = OnFreshThread(() =>
        {
            Assert.Equal(0, Tape.CachedCapacityOnThisThread);
            var g = new double[Million];
            var value = gradient(x, g);
            var capacity = Tape.CachedCapacityOnThisThread;
            gradient(x, new double[Million]);
            return (value, g, capacity, Tape.CachedCapacityOnThisThread);
        });

        // The measurement is real (the tape came back to this thread's cache) and within budget.
        Assert.InRange(capacity, 1, 16 * Million);
        Assert.Equal(capacity, capacityAfterSecondCall); // steady state: the cached tape is reused, not grown
        Assert.InRange(value, 0, 10); // s stays bounded (it settles near the fixed point of s = s x + sin s)
        Numeric.AssertSameBits(RecurrenceValue(x), value);
        LoopCheck.AssertClose(RecurrenceGradient(x), g, 1e-9, "recurrence over 10^6 steps vs hand-written reverse loop");
    }

    public static TheoryData<string> Reductions => ["sum of sin(x) x", "Rosenbrock", "logistic regression", "nested sums"];

    private static (Expression<Func<double[], double>> F, double[] X) Reduction(string name)
    {
        switch (name)
        {
            case "sum of sin(x) x":
                return (LoopFunctions.Reduction(), NearOne(Million));
            case "Rosenbrock":
                return (Rosenbrock(Length), NearOne(Million));
            case "logistic regression":
                var data = DataSet.Random(5, rows: 200_000, features: 5, classification: true);
                return (Logistic(data, Capture.ClosureArrayIndex, zLocalToIteration: false), [0.1, -0.2, 0.3, 0.05, -0.4]);
            case "nested sums":
                // s = 0; for i < n { t = 0; for j < n: t += x[i] * sin(x[j]); s += t; } with n = 1000: 10^6 inner steps
                var (s, t) = (Double("s"), Double("t"));
                var f = Lambda(Expression.Block([s, t], Expression.Assign(s, C(0)),
                    For("i", I(0), Length, i => Statements(
                        Expression.Assign(t, C(0)),
                        For("j", I(0), Length, j => Expression.AddAssign(t, Mul(Xi(i), Sin(Xi(j))))),
                        Expression.AddAssign(s, t))), s));
                return (f, LoopCheck.RandomPoint(3, 1000, -1, 1));
            default:
                throw new ArgumentException($"unknown reduction {name}", nameof(name));
        }
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void ReductionOverAMillionStepsKeepsTheInitialTape(string name)
    {
        var (f, x) = Reduction(name);
        var gradient = AD.Differentiate(f);
        var smallRecurrence = AD.Differentiate(Recurrence());
        var (before, after, value) = OnFreshThread(() =>
        {
            // A small recurrence first, so that this thread has a cached tape of the initial size to watch.
            smallRecurrence(NearOne(10), new double[10]);
            var before = Tape.CachedCapacityOnThisThread;
            var value = gradient(x, new double[x.Length]);
            return (before, Tape.CachedCapacityOnThisThread, value);
        });
        Assert.InRange(before, 1, 4096);
        Assert.InRange(after, 1, 4096);
        Numeric.AssertSameBits(f.Compile()(x), value);
    }

    /// <summary><c>s = 0; for i &lt; n: for j &lt; n: s += x[i] * sin(x[j]); return s;</c>: the inner loop adds to the outer loop's accumulator.</summary>
    private static Expression<Func<double[], double>> NestedSumIntoTheOuterAccumulator()
    {
        var s = Double("s");
        return Lambda(Expression.Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => For("j", I(0), Length, j => Expression.AddAssign(s, Mul(Xi(i), Sin(Xi(j)))))), s));
    }

    /// <summary>
    /// A double sum written with one accumulator is still a reduction, but the tape grows by 8 bytes per outer
    /// iteration (8192 bytes for n = 1000; n^2 pushes per call for a triple nest): the reverse of each outer
    /// iteration recomputes the inner forward loop, whose carried s starts from the outer head, so that head is
    /// taped although the recomputed s values are never read (their adjoints need no primal values).
    /// Memory is O(outer trips) instead of O(1).
    /// </summary>
    [Fact]
    public void Bug_NestedReductionIntoTheOuterAccumulator_TapesOneValuePerOuterIteration()
    {
        var (f, x) = (NestedSumIntoTheOuterAccumulator(), LoopCheck.RandomPoint(3, 1000, -1, 1));
        var gradient = AD.Differentiate(f);
        var smallRecurrence = AD.Differentiate(Recurrence());
        var (before, after) = OnFreshThread(() =>
        {
            smallRecurrence(NearOne(10), new double[10]);
            var before = Tape.CachedCapacityOnThisThread;
            gradient(x, new double[x.Length]);
            return (before, Tape.CachedCapacityOnThisThread);
        });
        Assert.InRange(before, 1, 4096);
        Assert.InRange(after, 1, 4096);
    }

    [Fact]
    public void TheTapeCheckCanFail()
    {
        // The recurrence does need its tape: after 10^5 steps the cache is well past the initial 4096 bytes.
        var gradient = AD.Differentiate(Recurrence());
        var capacity = OnFreshThread(() =>
        {
            gradient(NearOne(100_000), new double[100_000]);
            return Tape.CachedCapacityOnThisThread;
        });
        Assert.True(capacity > 4096, $"capacity {capacity}");
    }

    [Fact]
    public void EightThreadsAtOnceGetBitIdenticalResults()
    {
        const int threads = 8;
        const int rounds = 10;
        var functions = new[] { Recurrence(), Rosenbrock(Length), LogSumExp(mathMax: true) };
        var gradients = functions.Select(AD.Differentiate).ToArray();
        var inputs = Enumerable.Range(0, threads).Select(t => LoopCheck.RandomPoint(t, 20_000 + 1000 * t, 0.9, 1.05)).ToArray();

        // Serial references, one per (function, input).
        var expected = new (double Value, double[] Gradient)[gradients.Length, threads];
        for (var k = 0; k < gradients.Length; k++)
            for (var t = 0; t < threads; t++)
                expected[k, t] = Numeric.Evaluate(gradients[k], inputs[t]);

        using var start = new Barrier(threads);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var round = 0; round < rounds; round++)
                for (var k = 0; k < gradients.Length; k++)
                {
                    // Each thread also visits the other threads' inputs, so equal inputs run at the same time too.
                    var which = (t + round) % threads;
                    var g = new double[inputs[which].Length];
                    var value = gradients[k](inputs[which], g);
                    if (!Numeric.SameBits(value, expected[k, which].Value) || !g.AsSpan().SequenceEqual(expected[k, which].Gradient))
                        failures.Add($"thread {t}, round {round}, function {k}, input {which}");
                }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Empty(failures);
    }

    /// <summary>Called from inside the differentiated loop; at one iteration it calls a gradient delegate itself.</summary>
    public sealed class ReentrantHook
    {
        private int _depth;

        public GradientFunc? Inner { get; set; }
        public double[] InnerX { get; set; } = [];
        public int FireAt { get; set; }
        public bool Throw { get; set; }
        public List<(double Value, double[] Gradient)> Calls { get; } = [];

        public double Fire(int i)
        {
            if (i != FireAt || _depth > 0) return 0.0;
            if (Throw) throw new InvalidOperationException("hook failure");
            if (Inner is null) return 0.0;
            _depth++;
            try
            {
                var g = new double[InnerX.Length];
                var value = Inner(InnerX, g);
                Calls.Add((value, g));
            }
            finally
            {
                _depth--;
            }
            return 0.0;
        }
    }

    private static (GradientFunc Gradient, ReentrantHook Hook) HookedRecurrence()
    {
        var hook = new ReentrantHook();
        var f = Recurrence(i => Expression.Call(Expression.Constant(hook), typeof(ReentrantHook).GetMethod(nameof(ReentrantHook.Fire))!, i));
        return (AD.Differentiate(f), hook);
    }

    [Fact]
    public void ReentrantCallFromInsideTheLoopDoesNotDisturbTheOuterTape()
    {
        var (gradient, hook) = HookedRecurrence();
        var outerX = LoopCheck.RandomPoint(1, 5000, 0.9, 1.05);
        var innerX = LoopCheck.RandomPoint(2, 20_000, 0.9, 1.05); // longer: the inner call needs a bigger tape
        hook.FireAt = 2500;

        // References without re-entry.
        var outerExpected = Numeric.Evaluate(gradient, outerX);
        var innerExpected = Numeric.Evaluate(gradient, innerX);
        Numeric.AssertSameBits(RecurrenceValue(outerX), outerExpected.Value);
        LoopCheck.AssertClose(RecurrenceGradient(outerX), outerExpected.Gradient, 1e-9, "hooked recurrence vs hand-written");

        hook.Inner = gradient;
        hook.InnerX = innerX;
        for (var round = 0; round < 3; round++)
        {
            hook.Calls.Clear();
            var (value, g) = Numeric.Evaluate(gradient, outerX);
            Numeric.AssertSameBits(outerExpected.Value, value, $"outer value, round {round}");
            Assert.True(g.AsSpan().SequenceEqual(outerExpected.Gradient), $"outer gradient differs, round {round}");
            Assert.NotEmpty(hook.Calls);
            foreach (var (innerValue, innerGradient) in hook.Calls)
            {
                Numeric.AssertSameBits(innerExpected.Value, innerValue, $"inner value, round {round}");
                Assert.True(innerGradient.AsSpan().SequenceEqual(innerExpected.Gradient), $"inner gradient differs, round {round}");
            }
        }
    }

    [Fact]
    public void ACallThatThrowsInsideTheLoopLeavesTheTapeUsable()
    {
        var (gradient, hook) = HookedRecurrence();
        var x = LoopCheck.RandomPoint(3, 3000, 0.9, 1.05);
        var expected = Numeric.Evaluate(gradient, x);
        OnFreshThread(() =>
        {
            gradient(x, new double[x.Length]);
            var capacity = Tape.CachedCapacityOnThisThread;
            hook.FireAt = 1500;
            hook.Throw = true;
            Assert.Throws<InvalidOperationException>(() => gradient(x, new double[x.Length]));
            hook.Throw = false;
            // The half-filled tape went back to the cache and starts empty again: same results, same capacity.
            Assert.Equal(capacity, Tape.CachedCapacityOnThisThread);
            var (value, g) = Numeric.Evaluate(gradient, x);
            Numeric.AssertSameBits(expected.Value, value);
            Assert.True(g.AsSpan().SequenceEqual(expected.Gradient), "gradient after a throwing call differs");
            Assert.Equal(capacity, Tape.CachedCapacityOnThisThread);
            return 0;
        });
    }
}
