using static TorchSharp.torch;

namespace ExprAD.Benchmarks.Torch;

/// <summary>
/// Value and gradient of a function of one parameter vector by TorchSharp's autograd, with the same calling
/// convention as ExprAD's GradientFunc: a double[] in, the gradient written into a double[]. Each call copies
/// the point into a persistent leaf tensor, records the graph, runs backward and copies the gradient out;
/// every temporary tensor is freed by a dispose scope, as a .NET user of TorchSharp has to.
/// </summary>
internal sealed class TorchGradient
{
    private readonly Tensor _leaf;
    private readonly Func<Tensor, Tensor> _function;

    /// <param name="inputs">Length of the parameter vector.</param>
    /// <param name="function">Builds the scalar objective from the parameter tensor (float64, shape [inputs]).</param>
    public TorchGradient(int inputs, Func<Tensor, Tensor> function)
    {
        // ExprAD, the hand-written gradient and the plain function are single-threaded; so is torch here, which also
        // keeps the benchmark from fighting the other processes on a small machine.
        set_num_threads(1);
        _leaf = zeros(inputs, dtype: ScalarType.Float64).requires_grad_(true);
        _function = function;
    }

    /// <summary>Returns f(point) and overwrites <paramref name="gradient"/> with its gradient.</summary>
    public double ValueAndGradient(double[] point, double[] gradient)
    {
        using var scope = NewDisposeScope();
        _leaf.data<double>().CopyFrom(point, 0, 0);
        var previous = _leaf.grad;
        if (previous is not null)
        {
            previous.zero_();
        }
        var value = _function(_leaf);
        value.backward();
        _leaf.grad!.data<double>().CopyTo(gradient, 0, 0);
        return value.item<double>();
    }

    /// <summary>
    /// Throws unless torch's value and gradient agree with the reference (the hand-written gradient) to
    /// <paramref name="tolerance"/> relative to the largest entry: the benchmark must time a correct gradient.
    /// </summary>
    public void CheckAgainst(Func<double[], double[], double> reference, double[] point, double tolerance = 1e-9)
    {
        var expected = new double[point.Length];
        var actual = new double[point.Length];
        double expectedValue = reference(point, expected);
        double actualValue = ValueAndGradient(point, actual);
        // Twice: the second call checks that the accumulated gradient is zeroed between calls.
        actualValue = ValueAndGradient(point, actual);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        if (Math.Abs(actualValue - expectedValue) > tolerance * Math.Max(1, Math.Abs(expectedValue)))
        {
            throw new InvalidOperationException($"TorchSharp value {actualValue} differs from the reference {expectedValue}.");
        }
        for (int i = 0; i < point.Length; i++)
        {
            if (Math.Abs(actual[i] - expected[i]) > tolerance * scale)
            {
                throw new InvalidOperationException($"TorchSharp gradient entry {i} is {actual[i]}, the reference {expected[i]}.");
            }
        }
    }
}
