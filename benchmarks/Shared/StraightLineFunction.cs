using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// A fixed straight-line (loop-free) function of <see cref="Dimension"/> inputs with about 300 expression
/// nodes, shaped like the objective of a small scientific model: a sum of rate laws, energies, likelihood
/// terms and activations. It exists in three forms that must agree: the expression tree
/// <see cref="Definition"/> (what ExprAD sees), the plain C# <see cref="Value"/>, and the hand-written
/// reverse-mode gradient <see cref="ValueAndGradient"/> (the yardstick ExprAD is measured against).
/// </summary>
/// <remarks>
/// Every term is smooth and finite for inputs in [0.5, 1.5]: logarithms, square roots, non-integer powers
/// and divisions only ever see strictly positive arguments, so finite differences and AD both behave.
/// This file is compiled into both the benchmark project and the test project, so the tests guard
/// exactly the code that is benchmarked.
/// </remarks>
public static class StraightLineFunction
{
    /// <summary>Number of inputs, x[0] .. x[19].</summary>
    public const int Dimension = 20;

    /// <summary>Lower end of the input box on which the function is known to be well behaved.</summary>
    public const double InputLowerBound = 0.5;

    /// <summary>Upper end of the input box on which the function is known to be well behaved.</summary>
    public const double InputUpperBound = 1.5;

    /// <summary>
    /// The function as an expression tree. Each parenthesised line is one term; <see cref="Value"/> and
    /// <see cref="ValueAndGradient"/> use the same terms in the same order (t1 .. t25).
    /// </summary>
    public static readonly Expression<Func<double[], double>> Definition = x =>
        // t1: Arrhenius rate, A x0 exp(-Ea / T)
        (1.7 * x[0] * Math.Exp(-0.8 / x[1]))
        // t2: Michaelis-Menten uptake
        + (x[2] / (0.6 + x[2]))
        // t3: Gaussian of x3 with width x4
        + (Math.Exp(-0.5 * Math.Pow(x[3] / x[4], 2.0)))
        // t4: softplus
        + (Math.Log(1.0 + Math.Exp(x[5] - x[6])))
        // t5: smoothed absolute value
        + (Math.Sqrt(x[7] * x[7] + 0.25))
        // t6: Lennard-Jones potential at distance x9
        + (4.0 * (Math.Pow(0.6 / x[9], 12.0) - Math.Pow(0.6 / x[9], 6.0)))
        // t7: logistic response
        + (x[10] / (1.0 + Math.Exp(-x[11])))
        // t8: tanh activation of a linear combination
        + (Math.Tanh(0.7 * x[13] - 0.3 * x[14]))
        // t9: Hill function with coefficient 2.5
        + (Math.Pow(x[15], 2.5) / (0.8 + Math.Pow(x[15], 2.5)))
        // t10: allometric power law
        + (0.3 * Math.Pow(x[16], 1.5) * Math.Pow(x[17], -0.5))
        // t11: damped oscillation
        + (Math.Exp(-0.4 * x[18]) * Math.Sin(3.0 * x[18]))
        // t12: Poisson log-likelihood of count x0 at rate x1, up to the constant -log(x0!)
        + (x[0] * Math.Log(x[1]) - x[1])
        // t13: kinetic energy, m v^2 / 2
        + (0.5 * x[3] * Math.Pow(x[4], 2.0))
        // t14: Coulomb interaction, q1 q2 / r
        + (x[10] * x[11] / x[12])
        // t15: entropy contribution
        + (-x[14] * Math.Log(x[14]))
        // t16: first-order transfer function
        + ((x[16] + x[17]) / (1.0 + x[18]))
        // t17: geometric mean
        + (Math.Sqrt(x[0] * x[5]))
        // t18: saturating ratio
        + (x[1] * Math.Tanh(x[6] / x[11]))
        // t19: log of a total
        + (Math.Log(x[2] + x[7] + x[12]))
        // t20: periodic modulation
        + (Math.Exp(Math.Sin(x[3] * x[8])))
        // t21: cubic with coupling
        + (Math.Pow(x[4], 3.0) - x[4] * x[9])
        // t22: two-state Boltzmann occupancy, e^-x13 / (e^-x13 + e^-x18)
        + (1.0 / (1.0 + Math.Exp(x[13] - x[18])))
        // t23: sublinear growth
        + (Math.Pow(1.0 + x[14] * x[19], 0.75))
        // t24: log-ratio weighted by x17
        + (Math.Log(x[15] / x[16]) * x[17])
        // t25: square-root penalty
        + (Math.Sqrt(x[2]) / x[9]);

    /// <summary>The same function as plain C#, term for term and in the same evaluation order as <see cref="Definition"/>.</summary>
    /// <param name="x">Inputs; length <see cref="Dimension"/>.</param>
    public static double Value(double[] x) =>
        (1.7 * x[0] * Math.Exp(-0.8 / x[1]))
        + (x[2] / (0.6 + x[2]))
        + (Math.Exp(-0.5 * Math.Pow(x[3] / x[4], 2.0)))
        + (Math.Log(1.0 + Math.Exp(x[5] - x[6])))
        + (Math.Sqrt(x[7] * x[7] + 0.25))
        + (4.0 * (Math.Pow(0.6 / x[9], 12.0) - Math.Pow(0.6 / x[9], 6.0)))
        + (x[10] / (1.0 + Math.Exp(-x[11])))
        + (Math.Tanh(0.7 * x[13] - 0.3 * x[14]))
        + (Math.Pow(x[15], 2.5) / (0.8 + Math.Pow(x[15], 2.5)))
        + (0.3 * Math.Pow(x[16], 1.5) * Math.Pow(x[17], -0.5))
        + (Math.Exp(-0.4 * x[18]) * Math.Sin(3.0 * x[18]))
        + (x[0] * Math.Log(x[1]) - x[1])
        + (0.5 * x[3] * Math.Pow(x[4], 2.0))
        + (x[10] * x[11] / x[12])
        + (-x[14] * Math.Log(x[14]))
        + ((x[16] + x[17]) / (1.0 + x[18]))
        + (Math.Sqrt(x[0] * x[5]))
        + (x[1] * Math.Tanh(x[6] / x[11]))
        + (Math.Log(x[2] + x[7] + x[12]))
        + (Math.Exp(Math.Sin(x[3] * x[8])))
        + (Math.Pow(x[4], 3.0) - x[4] * x[9])
        + (1.0 / (1.0 + Math.Exp(x[13] - x[18])))
        + (Math.Pow(1.0 + x[14] * x[19], 0.75))
        + (Math.Log(x[15] / x[16]) * x[17])
        + (Math.Sqrt(x[2]) / x[9]);

    /// <summary>
    /// Hand-written reverse mode: returns f(x) and overwrites every entry of <paramref name="g"/> with the
    /// gradient. Written the way one would by hand for a hot loop: inputs loaded into locals once, a forward
    /// pass that keeps the intermediates the adjoints need, then the adjoints of the terms accumulated in
    /// reverse order into local gradient accumulators, stored to <paramref name="g"/> at the end. No allocations.
    /// </summary>
    /// <param name="x">Inputs; length <see cref="Dimension"/>.</param>
    /// <param name="g">Receives the gradient; length <see cref="Dimension"/>.</param>
    public static double ValueAndGradient(double[] x, double[] g)
    {
        // One up-front check instead of one bounds check per access.
        if (x.Length < Dimension || g.Length < Dimension)
        {
            throw new ArgumentException($"x and g need at least {Dimension} entries.");
        }

        double x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4];
        double x5 = x[5], x6 = x[6], x7 = x[7], x8 = x[8], x9 = x[9];
        double x10 = x[10], x11 = x[11], x12 = x[12], x13 = x[13], x14 = x[14];
        double x15 = x[15], x16 = x[16], x17 = x[17], x18 = x[18], x19 = x[19];

        // ---- Forward pass: each term, keeping what its adjoint needs. ----
        double arrhenius = Math.Exp(-0.8 / x1);
        double t1 = 1.7 * x0 * arrhenius;

        double uptakeDenominator = 0.6 + x2;
        double t2 = x2 / uptakeDenominator;

        double standardized = x3 / x4;
        double t3 = Math.Exp(-0.5 * Math.Pow(standardized, 2.0));

        double softplusExp = Math.Exp(x5 - x6);
        double t4 = Math.Log(1.0 + softplusExp);

        double t5 = Math.Sqrt(x7 * x7 + 0.25);

        double ljRatio = 0.6 / x9;
        double ljPow12 = Math.Pow(ljRatio, 12.0);
        double ljPow6 = Math.Pow(ljRatio, 6.0);
        double t6 = 4.0 * (ljPow12 - ljPow6);

        double logisticExp = Math.Exp(-x11);
        double logisticDenominator = 1.0 + logisticExp;
        double t7 = x10 / logisticDenominator;

        double t8 = Math.Tanh(0.7 * x13 - 0.3 * x14);

        double hillPow = Math.Pow(x15, 2.5);
        double hillDenominator = 0.8 + hillPow;
        double t9 = hillPow / hillDenominator;

        double t10 = 0.3 * Math.Pow(x16, 1.5) * Math.Pow(x17, -0.5);

        double damping = Math.Exp(-0.4 * x18);
        double oscillationPhase = 3.0 * x18;
        double t11 = damping * Math.Sin(oscillationPhase);

        double logRate = Math.Log(x1);
        double t12 = x0 * logRate - x1;

        double speedSquared = Math.Pow(x4, 2.0);
        double t13 = 0.5 * x3 * speedSquared;

        double t14 = x10 * x11 / x12;

        double log14 = Math.Log(x14);
        double t15 = -x14 * log14;

        double transferDenominator = 1.0 + x18;
        double t16 = (x16 + x17) / transferDenominator;

        double t17 = Math.Sqrt(x0 * x5);

        double saturation = Math.Tanh(x6 / x11);
        double t18 = x1 * saturation;

        double total = x2 + x7 + x12;
        double t19 = Math.Log(total);

        double modulationPhase = x3 * x8;
        double t20 = Math.Exp(Math.Sin(modulationPhase));

        double t21 = Math.Pow(x4, 3.0) - x4 * x9;

        double boltzmannExp = Math.Exp(x13 - x18);
        double t22 = 1.0 / (1.0 + boltzmannExp);

        double growthBase = 1.0 + x14 * x19;
        double t23 = Math.Pow(growthBase, 0.75);

        double logRatio = Math.Log(x15 / x16);
        double t24 = logRatio * x17;

        double sqrt2 = Math.Sqrt(x2);
        double t25 = sqrt2 / x9;

        // Summed in the same left-to-right order as Definition, so the value agrees with Value() bit for bit.
        double value = t1 + t2 + t3 + t4 + t5 + t6 + t7 + t8 + t9 + t10 + t11 + t12 + t13
            + t14 + t15 + t16 + t17 + t18 + t19 + t20 + t21 + t22 + t23 + t24 + t25;

        // ---- Reverse pass: f is the plain sum of the terms, so every term's adjoint is 1 and each term adds
        // its partial derivatives straight into the input adjoints. Terms are visited last to first. ----
        double g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0, g8 = 0, g9 = 0;
        double g10 = 0, g11 = 0, g12 = 0, g13 = 0, g14 = 0, g15 = 0, g16 = 0, g17 = 0, g18 = 0, g19 = 0;

        // t25 = sqrt(x2) / x9
        g2 += 0.5 / (sqrt2 * x9);
        g9 -= t25 / x9;

        // t24 = log(x15 / x16) x17
        g15 += x17 / x15;
        g16 -= x17 / x16;
        g17 += logRatio;

        // t23 = (1 + x14 x19)^0.75
        double growthSlope = 0.75 * t23 / growthBase;
        g14 += growthSlope * x19;
        g19 += growthSlope * x14;

        // t22 = 1 / (1 + e) with e = exp(x13 - x18): dt22/de = -t22^2
        double occupancySlope = t22 * t22 * boltzmannExp;
        g13 -= occupancySlope;
        g18 += occupancySlope;

        // t21 = x4^3 - x4 x9
        g4 += 3.0 * x4 * x4 - x9;
        g9 -= x4;

        // t20 = exp(sin(x3 x8))
        double modulationSlope = t20 * Math.Cos(modulationPhase);
        g3 += modulationSlope * x8;
        g8 += modulationSlope * x3;

        // t19 = log(x2 + x7 + x12)
        double inverseTotal = 1.0 / total;
        g2 += inverseTotal;
        g7 += inverseTotal;
        g12 += inverseTotal;

        // t18 = x1 tanh(x6 / x11)
        g1 += saturation;
        double saturationSlope = x1 * (1.0 - saturation * saturation) / x11;
        g6 += saturationSlope;
        g11 -= saturationSlope * x6 / x11;

        // t17 = sqrt(x0 x5)
        double geometricSlope = 0.5 / t17;
        g0 += geometricSlope * x5;
        g5 += geometricSlope * x0;

        // t16 = (x16 + x17) / (1 + x18)
        double inverseTransferDenominator = 1.0 / transferDenominator;
        g16 += inverseTransferDenominator;
        g17 += inverseTransferDenominator;
        g18 -= t16 * inverseTransferDenominator;

        // t15 = -x14 log x14
        g14 -= log14 + 1.0;

        // t14 = x10 x11 / x12
        g10 += x11 / x12;
        g11 += x10 / x12;
        g12 -= t14 / x12;

        // t13 = 0.5 x3 x4^2
        g3 += 0.5 * speedSquared;
        g4 += x3 * x4;

        // t12 = x0 log x1 - x1
        g0 += logRate;
        g1 += x0 / x1 - 1.0;

        // t11 = exp(-0.4 x18) sin(3 x18)
        g18 += -0.4 * t11 + 3.0 * damping * Math.Cos(oscillationPhase);

        // t10 = 0.3 x16^1.5 x17^-0.5
        g16 += 1.5 * t10 / x16;
        g17 -= 0.5 * t10 / x17;

        // t9 = p / (0.8 + p) with p = x15^2.5: dt9/dp = 0.8 / (0.8 + p)^2, dp/dx15 = 2.5 p / x15
        g15 += 0.8 / (hillDenominator * hillDenominator) * 2.5 * hillPow / x15;

        // t8 = tanh(0.7 x13 - 0.3 x14)
        double activationSlope = 1.0 - t8 * t8;
        g13 += 0.7 * activationSlope;
        g14 -= 0.3 * activationSlope;

        // t7 = x10 / (1 + e) with e = exp(-x11)
        g10 += 1.0 / logisticDenominator;
        g11 += t7 * logisticExp / logisticDenominator;

        // t6 = 4 (s^12 - s^6) with s = 0.6 / x9, ds/dx9 = -s / x9
        g9 -= 4.0 * (12.0 * ljPow12 - 6.0 * ljPow6) / x9;

        // t5 = sqrt(x7^2 + 0.25)
        g7 += x7 / t5;

        // t4 = log(1 + exp(x5 - x6)): the slope is the logistic sigmoid of x5 - x6
        double softplusSlope = softplusExp / (1.0 + softplusExp);
        g5 += softplusSlope;
        g6 -= softplusSlope;

        // t3 = exp(-z^2 / 2) with z = x3 / x4: dt3/dz = -z t3, dz/dx3 = 1 / x4, dz/dx4 = -z / x4
        double gaussianSlope = -standardized * t3 / x4;
        g3 += gaussianSlope;
        g4 -= gaussianSlope * standardized;

        // t2 = x2 / (0.6 + x2)
        g2 += (1.0 - t2) / uptakeDenominator;

        // t1 = 1.7 x0 exp(-0.8 / x1)
        g0 += 1.7 * arrhenius;
        g1 += t1 * 0.8 / (x1 * x1);

        g[0] = g0; g[1] = g1; g[2] = g2; g[3] = g3; g[4] = g4;
        g[5] = g5; g[6] = g6; g[7] = g7; g[8] = g8; g[9] = g9;
        g[10] = g10; g[11] = g11; g[12] = g12; g[13] = g13; g[14] = g14;
        g[15] = g15; g[16] = g16; g[17] = g17; g[18] = g18; g[19] = g19;
        return value;
    }

    /// <summary>Counts the nodes of an expression tree, every subexpression including parameter references and constants.</summary>
    /// <param name="expression">The root of the tree (for a lambda, usually its <see cref="LambdaExpression.Body"/>).</param>
    public static int CountNodes(Expression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var counter = new NodeCounter();
        counter.Visit(expression);
        return counter.Count;
    }

    /// <summary>A deterministic point inside the well-behaved input box, so every benchmark run sees the same input.</summary>
    /// <param name="seed">Seed of the pseudo-random generator.</param>
    public static double[] CreatePoint(int seed)
    {
        var random = new Random(seed);
        var point = new double[Dimension];
        for (int i = 0; i < point.Length; i++)
        {
            point[i] = InputLowerBound + (InputUpperBound - InputLowerBound) * random.NextDouble();
        }
        return point;
    }

    // ExpressionVisitor recurses, but the tree is only a few dozen levels deep (a left-leaning sum of 25 terms),
    // so recursion is safe here and reuses the visitor's knowledge of every node type's children.
    private sealed class NodeCounter : ExpressionVisitor
    {
        public int Count { get; private set; }

        public override Expression? Visit(Expression? node)
        {
            if (node is not null)
            {
                Count++;
            }
            return base.Visit(node);
        }
    }
}
