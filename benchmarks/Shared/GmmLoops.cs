using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// The ADBench GMM objective built with <see cref="Expression.Loop(Expression, LabelTarget)"/> and local arrays,
/// the way one writes it for speed: the same algorithm as the hand-written <see cref="Gmm.ValueAndGradient"/>,
/// where <see cref="Gmm.Objective"/> is the one-expression LINQ form.
/// </summary>
/// <remarks>
/// exp(q) and sum(q) are computed once per call into arrays; per point and component, y = x_i - mu_k and
/// z = Q_k y go into two arrays of length d, refilled for every component, with the strict lower part of Q_k
/// applied column by column (each column is contiguous in the parameters); the K main terms go into an array
/// refilled for every point, so each is computed once, for both the maximum and the sum of the logsumexp.
/// ExprAD differentiates the refilled arrays as scratch arrays: the loop over the points stays a fused reduction.
/// </remarks>
public static class GmmLoops
{
    /// <summary>The objective as an expression tree of loops over the parameter vector p (same parameter order as <see cref="Gmm.Objective"/>).</summary>
    public static Expression<Func<double[], double>> Objective(GmmData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int d = data.D, components = data.K, n = data.N, icfLength = data.IcfLength;
        int meansOffset = data.MeansOffset, icfOffset = data.IcfOffset;
        var points = Expression.Constant(data.X);
        double halfGammaSquared = 0.5 * data.Gamma * data.Gamma;

        var p = Expression.Parameter(typeof(double[]), "p");
        Expression P(Expression index) => Expression.ArrayIndex(p, index);
        Expression Icf(Expression k, Expression offset) => P(Add(I(icfOffset), Mul(k, I(icfLength)), offset));

        var diagonals = Expression.Variable(typeof(double[]), "diagonals"); // exp(q_k), K by d
        var sumsQ = Expression.Variable(typeof(double[]), "sumsQ");         // sum of q_k, K
        var y = Expression.Variable(typeof(double[]), "y");                 // x_i - mu_k, d
        var z = Expression.Variable(typeof(double[]), "z");                 // Q_k y, d
        var main = Expression.Variable(typeof(double[]), "main");           // the main terms of point i, K
        var sumQ = Expression.Variable(typeof(double), "sumQ");
        var q = Expression.Variable(typeof(double), "q");
        var dataTerm = Expression.Variable(typeof(double), "dataTerm");
        var difference = Expression.Variable(typeof(double), "difference");
        var column = Expression.Variable(typeof(int), "column");
        var yc = Expression.Variable(typeof(double), "yc");
        var norm = Expression.Variable(typeof(double), "norm");
        var max = Expression.Variable(typeof(double), "max");
        var sum = Expression.Variable(typeof(double), "sum");
        var alphaMax = Expression.Variable(typeof(double), "alphaMax");
        var alphaSum = Expression.Variable(typeof(double), "alphaSum");
        var prior = Expression.Variable(typeof(double), "prior");

        var exponentiateQ = For("k", I(components), k => Expression.Block([sumQ],
            Expression.Assign(sumQ, D(0)),
            For("r", I(d), r => Expression.Block([q],
                Expression.Assign(q, Icf(k, r)),
                Expression.Assign(Expression.ArrayAccess(diagonals, Add(Mul(k, I(d)), r)), Exp(q)),
                Expression.AddAssign(sumQ, q))),
            Expression.Assign(Expression.ArrayAccess(sumsQ, k), sumQ)));

        // main_k = alpha_k + sum(q_k) - 0.5 ||Q_k (x_i - mu_k)||^2 for every component of point i.
        Expression MainTerms(ParameterExpression i) => For("k", I(components), k => Expression.Block(
            For("r", I(d), r => Expression.Block([difference],
                Expression.Assign(difference, Expression.Subtract(Expression.ArrayAccess(points, i, r), P(Add(I(meansOffset), Mul(k, I(d)), r)))),
                Expression.Assign(Expression.ArrayAccess(y, r), difference),
                Expression.Assign(Expression.ArrayAccess(z, r),
                    Expression.Multiply(Expression.ArrayAccess(diagonals, Add(Mul(k, I(d)), r)), difference)))),
            // Column c holds rows c+1 .. d-1 of the strict lower part, from entry c(2d - c - 1)/2 of l_k on.
            For("c", I(d - 1), c => Expression.Block([column, yc],
                Expression.Assign(column, Add(I(icfOffset + d), Mul(k, I(icfLength)),
                    Expression.Subtract(Expression.Divide(Mul(c, Expression.Subtract(I(2 * d - 1), c)), I(2)), Add(c, I(1))))),
                Expression.Assign(yc, Expression.ArrayAccess(y, c)),
                For("j", Add(c, I(1)), I(d), j =>
                    Expression.AddAssign(Expression.ArrayAccess(z, j), Expression.Multiply(P(Add(column, j)), yc))))),
            Expression.Block([norm],
                Expression.Assign(norm, D(0)),
                For("r", I(d), r => Expression.AddAssign(norm,
                    Expression.Multiply(Expression.ArrayAccess(z, r), Expression.ArrayAccess(z, r)))),
                Expression.Assign(Expression.ArrayAccess(main, k), Expression.Subtract(
                    Expression.Add(P(k), Expression.ArrayAccess(sumsQ, k)), Expression.Multiply(D(0.5), norm))))));

        var dataLoop = For("i", I(n), i => Expression.Block([max, sum],
            MainTerms(i),
            Expression.Assign(max, D(double.NegativeInfinity)),
            For("k", I(components), k => Expression.Assign(max, Max(max, Expression.ArrayAccess(main, k)))),
            Expression.Assign(sum, D(0)),
            For("k", I(components), k => Expression.AddAssign(sum, Exp(Expression.Subtract(Expression.ArrayAccess(main, k), max)))),
            Expression.AddAssign(dataTerm, Expression.Add(max, Log(sum)))));

        var alphaLogSumExp = Expression.Block(
            Expression.Assign(alphaMax, D(double.NegativeInfinity)),
            For("k", I(components), k => Expression.Assign(alphaMax, Max(alphaMax, P(k)))),
            Expression.Assign(alphaSum, D(0)),
            For("k", I(components), k => Expression.AddAssign(alphaSum, Exp(Expression.Subtract(P(k), alphaMax)))));

        var wishartPrior = For("k", I(components), k => Expression.Block(
            For("r", I(d), r => Expression.AddAssign(prior, Expression.Multiply(D(halfGammaSquared),
                Square(Expression.ArrayAccess(diagonals, Add(Mul(k, I(d)), r)))))),
            For("j", I(d), I(icfLength), j => Expression.AddAssign(prior, Expression.Multiply(D(halfGammaSquared), Square(Icf(k, j))))),
            Expression.SubtractAssign(prior, Expression.Multiply(D(data.M), Expression.ArrayAccess(sumsQ, k)))));

        var body = Expression.Block([diagonals, sumsQ, y, z, main, dataTerm, alphaMax, alphaSum, prior],
            Expression.Assign(diagonals, Expression.NewArrayBounds(typeof(double), I(components * d))),
            Expression.Assign(sumsQ, Expression.NewArrayBounds(typeof(double), I(components))),
            Expression.Assign(y, Expression.NewArrayBounds(typeof(double), I(d))),
            Expression.Assign(z, Expression.NewArrayBounds(typeof(double), I(d))),
            Expression.Assign(main, Expression.NewArrayBounds(typeof(double), I(components))),
            exponentiateQ,
            Expression.Assign(dataTerm, D(0)),
            dataLoop,
            alphaLogSumExp,
            Expression.Assign(prior, D(0)),
            wishartPrior,
            Expression.Add(Expression.Subtract(Expression.Add(D(Gmm.Constant(data)), dataTerm),
                Expression.Multiply(D(n), Expression.Add(alphaMax, Log(alphaSum)))), prior));
        return Expression.Lambda<Func<double[], double>>(body, "GmmLoops", [p]);
    }

    /// <summary><c>for (int name = 0; name &lt; end; name++) body</c>.</summary>
    private static Expression For(string name, Expression end, Func<ParameterExpression, Expression> body) => For(name, I(0), end, body);

    private static Expression For(string name, Expression start, Expression end, Func<ParameterExpression, Expression> body)
        => ForLoops.For(name, start, end, body);

    private static ConstantExpression I(int value) => Expression.Constant(value);

    private static ConstantExpression D(double value) => Expression.Constant(value);

    private static Expression Add(Expression a, Expression b) => Expression.Add(a, b);

    private static Expression Add(Expression a, Expression b, Expression c) => Expression.Add(Expression.Add(a, b), c);

    private static Expression Mul(Expression a, Expression b) => Expression.Multiply(a, b);

    private static Expression Square(Expression a) => Expression.Multiply(a, a);

    private static Expression Exp(Expression a) => Expression.Call(typeof(Math).GetMethod(nameof(Math.Exp))!, a);

    private static Expression Log(Expression a) => Expression.Call(typeof(Math).GetMethod(nameof(Math.Log), [typeof(double)])!, a);

    private static Expression Max(Expression a, Expression b) => Expression.Call(typeof(Math).GetMethod(nameof(Math.Max), [typeof(double), typeof(double)])!, a, b);
}
