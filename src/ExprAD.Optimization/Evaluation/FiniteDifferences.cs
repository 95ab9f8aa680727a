namespace ExprAD.Optimization.Evaluation;

/// <summary>
/// Central-difference gradients and Jacobians, the baseline the MGH table compares AD against. The step
/// cbrt(eps) * max(1, |x_i|) balances truncation error (O(h^2)) against rounding error (O(eps/h)).
/// </summary>
internal static class FiniteDifferences
{
    private static readonly double RelativeStep = Math.Cbrt(2.220446049250313e-16);

    public static GradientFunc Gradient(Func<double[], double> f) => (x, gradient) =>
    {
        var probe = (double[])x.Clone();
        for (var i = 0; i < x.Length; i++)
        {
            var h = RelativeStep * Math.Max(1, Math.Abs(x[i]));
            probe[i] = x[i] + h;
            var up = f(probe);
            probe[i] = x[i] - h;
            var down = f(probe);
            probe[i] = x[i];
            gradient[i] = (up - down) / (2 * h);
        }
        return f(x);
    };

    public static JacobianFunc Jacobian(Func<double[], double[]> r) => (x, values, jacobian) =>
    {
        var probe = (double[])x.Clone();
        for (var j = 0; j < x.Length; j++)
        {
            var h = RelativeStep * Math.Max(1, Math.Abs(x[j]));
            probe[j] = x[j] + h;
            var up = r(probe);
            probe[j] = x[j] - h;
            var down = r(probe);
            probe[j] = x[j];
            for (var i = 0; i < up.Length; i++) jacobian[i, j] = (up[i] - down[i]) / (2 * h);
        }
        r(x).CopyTo(values, 0);
    };
}
