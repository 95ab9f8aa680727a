using System.Linq.Expressions;
using CsCheck;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Properties;

/// <summary>
/// Jacobians of random vector functions, each output one of the random expressions over the same inputs: the values are
/// the outputs' compiled values bit for bit, and each row is that output's gradient (up to rounding: the Jacobian runs
/// forward mode when there are fewer inputs than outputs). Both sides are AD, so no point is skipped for kinks; points
/// where an output is not finite are (the modes may carry NaN differently there).
/// </summary>
public partial class RandomExpressionTests
{
    private const int JacobianFunctions = 400;

    private static readonly Gen<(Case[] Outputs, int Seed)> VectorGen =
        Gen.Select(Gen.Int[1, 6], Gen.Int[1, 5], Gen.Int[0, int.MaxValue], (k, m, seed) => (k, m, seed))
            .SelectMany(t => NodeGen.Array[t.m].Select(nodes => (nodes.Select(n => new Case(n, t.k, t.seed)).ToArray(), t.seed)));

    [Fact]
    public void JacobianRowsAreTheOutputsGradients()
    {
        var checkedRows = 0;
        VectorGen.Sample(vector =>
        {
            var (outputs, seed) = vector;
            var k = outputs[0].K;
            var x = Expression.Parameter(typeof(double[]), "x");
            var f = Expression.Lambda<Func<double[], double[]>>(
                Expression.NewArrayInit(typeof(double), outputs.Select(o => Build(o.Root, x, k))), x);
            var jacobian = AD.Jacobian(f);
            var rng = new Random(seed);
            for (var p = 0; p < 2; p++)
            {
                var at = FiniteDifferences.RandomPoint(rng, k, -2, 2);
                var values = new double[outputs.Length];
                var rows = new double[outputs.Length, k];
                jacobian(at, values, rows);
                for (var i = 0; i < outputs.Length; i++)
                {
                    var output = outputs[i].ToLambda();
                    var where = $"output {i} at x=[{FiniteDifferences.Format(at)}] of {string.Join("; ", outputs.Select(o => o.ToLambda().ToString()))}";
                    Numeric.AssertSameBits(AD.Compile(output)(at), values[i], "Jacobian's value vs AD.Compile, " + where);
                    if (!double.IsFinite(values[i])) continue;
                    var (_, gradient) = Numeric.Evaluate(AD.Differentiate(output), at);
                    for (var j = 0; j < k; j++)
                        Assert.True(Math.Abs(rows[i, j] - gradient[j]) <= 1e-12 * (1 + Math.Abs(gradient[j])),
                            $"J[{i}, {j}] = {rows[i, j]}, gradient {gradient[j]}; {where}");
                    checkedRows++;
                }
            }
        }, iter: JacobianFunctions, threads: 1, print: v => string.Join("; ", v.Outputs.Select(o => o.ToString())));
        // Guard against a vacuous pass.
        Assert.True(checkedRows >= JacobianFunctions, $"only {checkedRows} rows checked");
    }
}
