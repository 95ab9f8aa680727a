using System.Linq.Expressions;
using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace ExprAD.Benchmarks.Torch;

/// <summary>
/// One scenario of benchmarks/ExprAD.Benchmarks against TorchSharp's autograd (libtorch, CPU, float64, one
/// thread). Baseline: the plain compiled function, as in the main project, so the Ratio column is "time / f";
/// the ExprAD row is measured again here so that the ExprAD / TorchSharp ratio comes from one run. Before
/// anything is timed, TorchSharp's value and gradient are checked against the hand-written gradient.
/// </summary>
[MemoryDiagnoser]
public abstract class TorchScenarioBenchmarks
{
    private double[] _point = [];
    private double[] _gradient = [];
    private Func<double[], double> _function = _ => double.NaN;
    private GradientFunc _exprAdGradient = (_, _) => double.NaN;
    private TorchGradient _torchGradient = null!;

    /// <summary>The scenario: ExprAD's input, the point, the hand-written gradient (reference) and the torch version.</summary>
    protected abstract Scenario Create();

    [GlobalSetup]
    public void Setup()
    {
        var scenario = Create();
        _point = scenario.Point;
        _gradient = new double[_point.Length];
        _function = AD.Compile(scenario.Definition);
        _exprAdGradient = AD.Differentiate(scenario.Definition);
        _torchGradient = new TorchGradient(_point.Length, scenario.Torch);
        _torchGradient.CheckAgainst(scenario.HandWritten, _point);
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _function(_point);

    [Benchmark(Description = "f + gradient: AD.Differentiate")]
    public double ExprADGradient() => _exprAdGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: TorchSharp autograd")]
    public double TorchGradient() => _torchGradient.ValueAndGradient(_point, _gradient);

    /// <summary>What a scenario is made of.</summary>
    protected sealed record Scenario(
        Expression<Func<double[], double>> Definition,
        double[] Point,
        Func<double[], double[], double> HandWritten,
        Func<Tensor, Tensor> Torch);

    /// <summary>A constant float64 tensor holding a copy of a matrix.</summary>
    protected static Tensor Matrix(double[,] matrix)
    {
        int rows = matrix.GetLength(0), columns = matrix.GetLength(1);
        var flat = new double[rows * columns];
        Buffer.BlockCopy(matrix, 0, flat, 0, flat.Length * sizeof(double));
        return tensor(flat, [rows, columns], ScalarType.Float64);
    }

    /// <summary>A constant float64 tensor holding a copy of a vector.</summary>
    protected static Tensor Vector(double[] vector) => tensor(vector.ToArray(), [vector.Length], ScalarType.Float64);
}

/// <summary>
/// The ~300-node straight-line function. It does not vectorize: torch runs it as scalar operations on 0-d
/// tensors (one op per node, as a TorchSharp user would write it), each a separate autograd node.
/// </summary>
public class TorchStraightLineBenchmarks : TorchScenarioBenchmarks
{
    protected override Scenario Create() => new(
        StraightLineFunction.Definition, StraightLineFunction.CreatePoint(seed: 20), StraightLineFunction.ValueAndGradient, Function);

    private static Tensor Function(Tensor x)
    {
        Tensor x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7], x8 = x[8], x9 = x[9];
        Tensor x10 = x[10], x11 = x[11], x12 = x[12], x13 = x[13], x14 = x[14];
        Tensor x15 = x[15], x16 = x[16], x17 = x[17], x18 = x[18], x19 = x[19];
        return 1.7 * x0 * exp(-0.8 / x1)
            + x2 / (0.6 + x2)
            + exp(-0.5 * (x3 / x4).pow(2.0))
            + log(1.0 + exp(x5 - x6))
            + sqrt(x7 * x7 + 0.25)
            + 4.0 * ((0.6 / x9).pow(12.0) - (0.6 / x9).pow(6.0))
            + x10 / (1.0 + exp(-x11))
            + tanh(0.7 * x13 - 0.3 * x14)
            + x15.pow(2.5) / (0.8 + x15.pow(2.5))
            + 0.3 * x16.pow(1.5) * x17.pow(-0.5)
            + exp(-0.4 * x18) * sin(3.0 * x18)
            + (x0 * log(x1) - x1)
            + 0.5 * x3 * x4.pow(2.0)
            + x10 * x11 / x12
            + -x14 * log(x14)
            + (x16 + x17) / (1.0 + x18)
            + sqrt(x0 * x5)
            + x1 * tanh(x6 / x11)
            + log(x2 + x7 + x12)
            + exp(sin(x3 * x8))
            + (x4.pow(3.0) - x4 * x9)
            + 1.0 / (1.0 + exp(x13 - x18))
            + (1.0 + x14 * x19).pow(0.75)
            + log(x15 / x16) * x17
            + sqrt(x2) / x9;
    }
}

/// <summary>Extended Rosenbrock at n = 10, 1,000, 100,000; torch vectorized (shifted slices, one sum).</summary>
public class TorchRosenbrockBenchmarks : TorchScenarioBenchmarks
{
    /// <summary>Number of inputs.</summary>
    [Params(10, 1_000, 100_000)]
    public int N { get; set; } = 10;

    protected override Scenario Create() => new(
        ExtendedRosenbrock.Definition, ExtendedRosenbrock.CreatePoint(N, seed: 20), ExtendedRosenbrock.ValueAndGradient, Function);

    private static Tensor Function(Tensor x)
    {
        long n = x.shape[0];
        var current = x.narrow(0, 0, n - 1);
        var next = x.narrow(0, 1, n - 1);
        var residual = next - current * current;
        var offset = 1.0 - current;
        return (100.0 * residual * residual + offset * offset).sum();
    }
}

/// <summary>Logistic-regression loss, m = 10,000, d = 20; torch vectorized (one matrix-vector product).</summary>
public class TorchLogisticBenchmarks : TorchScenarioBenchmarks
{
    protected override Scenario Create()
    {
        var loss = new LogisticRegressionLoss(LogisticRegressionLoss.BenchmarkRows, LogisticRegressionLoss.BenchmarkFeatures, seed: 20);
        var a = Matrix(loss.Data);
        var y = Vector(loss.Labels);
        return new(loss.Definition, loss.CreatePoint(seed: 21), loss.ValueAndGradient,
            w => log(1.0 + exp(-y * a.matmul(w))).sum());
    }
}

/// <summary>The 10-16-1 tanh MLP regression loss over 1,000 rows; torch vectorized (two matrix products).</summary>
public class TorchMlpBenchmarks : TorchScenarioBenchmarks
{
    protected override Scenario Create()
    {
        var loss = new MlpRegressionLoss(
            MlpRegressionLoss.BenchmarkRows, MlpRegressionLoss.BenchmarkInputs, MlpRegressionLoss.BenchmarkHidden, seed: 20);
        var x = Matrix(loss.InputData);
        var y = Vector(loss.Targets);
        int d = loss.Inputs, h = loss.Hidden;
        return new(loss.Definition, loss.CreatePoint(seed: 21), loss.ValueAndGradient, p =>
        {
            var w1 = p.narrow(0, 0, h * d).view(h, d);
            var b1 = p.narrow(0, loss.HiddenBiasOffset, h);
            var v = p.narrow(0, loss.OutputWeightOffset, h);
            var c = p.narrow(0, loss.OutputBiasOffset, 1);
            var hidden = tanh(x.matmul(w1.t()) + b1);
            var error = hidden.matmul(v) + c - y;
            return (error * error).sum();
        });
    }
}

/// <summary>
/// ADBench GMM on every file; torch vectorized as ADBench's PyTorch version is: Q_k assembled by a scatter, all
/// points and components at once with einsum, logsumexp over the components.
/// </summary>
public class TorchGmmBenchmarks : TorchScenarioBenchmarks
{
    /// <summary>The ADBench files, smallest first.</summary>
    public static IEnumerable<string> Files => GmmData.FileNames;

    /// <summary>The input file, in data/adbench/gmm.</summary>
    [ParamsSource(nameof(Files))]
    public string File { get; set; } = "gmm_test.txt";

    protected override Scenario Create()
    {
        var data = GmmData.LoadFile(File);
        int d = data.D, k = data.K, n = data.N, t = data.IcfLength;
        var points = Matrix(data.X);
        double constant = Gmm.Constant(data), gamma = data.Gamma, m = data.M;

        // Where each icf entry goes in the row-major d x d matrix Q_k: the d diagonal entries, then the strict lower
        // part column by column (the parameter order of data/adbench/README.md).
        var positions = new long[t];
        int next = 0;
        for (int r = 0; r < d; r++)
        {
            positions[next++] = r * d + r;
        }
        for (int c = 0; c < d; c++)
        {
            for (int r = c + 1; r < d; r++)
            {
                positions[next++] = r * d + c;
            }
        }
        var index = tensor(positions, [1, t], ScalarType.Int64).expand(k, t).contiguous();

        return new(Gmm.Objective(data), data.InitialParameters(), (p, g) => Gmm.ValueAndGradient(data, p, g), p =>
        {
            var alphas = p.narrow(0, 0, k);
            var means = p.narrow(0, data.MeansOffset, k * d).view(k, d);
            var icf = p.narrow(0, data.IcfOffset, k * t).view(k, t);
            var q = icf.narrow(1, 0, d);
            var l = icf.narrow(1, d, t - d);
            var diagonal = exp(q);
            var entries = cat([diagonal, l], 1);
            var factors = zeros(k, d * d, ScalarType.Float64).scatter(1, index, entries).view(k, d, d);
            var centered = points.unsqueeze(1) - means.unsqueeze(0);               // n x K x d
            var transformed = einsum("kij,nkj->nki", factors, centered);            // Q_k (x_i - mu_k)
            var main = alphas.unsqueeze(0) + q.sum(1).unsqueeze(0) - 0.5 * (transformed * transformed).sum(2);
            var prior = 0.5 * gamma * gamma * ((diagonal * diagonal).sum() + (l * l).sum()) - m * q.sum();
            return constant + main.logsumexp(1, false).sum() - n * alphas.logsumexp(0, false) + prior;
        });
    }
}
