using System.Linq.Expressions;
using static ExprAD.Mgh.ResidualBuilder;

namespace ExprAD.Mgh;

/// <summary>
/// The More-Garbow-Hillstrom problems, written from the paper's definitions (x1..xn of the paper are x[0]..x[n-1]
/// here). f* is the paper's minimum of f = sum r_i^2.
/// </summary>
public static class MghProblems
{
    /// <summary>The problems implemented, in the paper's order.</summary>
    public static IReadOnlyList<MghProblem> All { get; } =
    [
        Rosenbrock(), FreudensteinRoth(), PowellBadlyScaled(), BrownBadlyScaled(), Beale(), JennrichSampson(),
        HelicalValley(), Bard(), Gaussian(), Meyer(), Gulf(), Box3D(), PowellSingular(), Wood(), KowalikOsborne(),
        BrownDennis(), Osborne1(), BiggsExp6(), Osborne2(), Watson(), ExtendedRosenbrock(), ExtendedPowellSingular(),
        PenaltyI(), PenaltyII(), VariablyDimensioned(), DiscreteBoundaryValue(), BroydenTridiagonal(), LinearFullRank(),
    ];

    private static MghProblem Rosenbrock() => new(1, "Rosenbrock",
        x => new[] { 10 * (x[1] - x[0] * x[0]), 1 - x[0] }, [-1.2, 1], 0);

    private static MghProblem FreudensteinRoth() => new(2, "Freudenstein and Roth",
        x => new[] { -13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1], -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1] },
        [0.5, -2], 0, "local minimum 48.9842 at (11.41, -0.8968)");

    private static MghProblem PowellBadlyScaled() => new(3, "Powell badly scaled",
        x => new[] { 1e4 * x[0] * x[1] - 1, Math.Exp(-x[0]) + Math.Exp(-x[1]) - 1.0001 }, [0, 1], 0);

    private static MghProblem BrownBadlyScaled() => new(4, "Brown badly scaled",
        x => new[] { x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2 }, [1, 1], 0);

    private static MghProblem Beale()
    {
        double[] y = [1.5, 2.25, 2.625];
        Expression<Func<double[], double, int, double>> r = (x, y, i) => y - x[0] * (1 - Math.Pow(x[1], i));
        return new(5, "Beale", ResidualVector(3, i => Bind(r, y[i - 1], i)), [1, 1], 0);
    }

    private static MghProblem JennrichSampson()
    {
        Expression<Func<double[], double, double>> r = (x, i) => 2 + 2 * i - (Math.Exp(i * x[0]) + Math.Exp(i * x[1]));
        return new(6, "Jennrich and Sampson", ResidualVector(10, i => Bind(r, (double)i)), [0.3, 0.4], 124.362,
            "m = 10; compared with 124.362182, f at the paper's minimizer x1 = x2 = 0.257825", FStarMoreDigits: 124.362182);
    }

    private static MghProblem HelicalValley()
    {
        // theta(x1, x2) = atan(x2/x1) / (2 pi), plus 1/2 when x1 < 0.
        Expression<Func<double[], double[]>> r = x => new[]
        {
            10 * (x[2] - 10 * (Math.Atan(x[1] / x[0]) / (2 * Math.PI) + (x[0] < 0 ? 0.5 : 0.0))),
            10 * (Math.Sqrt(x[0] * x[0] + x[1] * x[1]) - 1),
            x[2],
        };
        return new(7, "Helical valley", r, [-1, 0, 0], 0);
    }

    private static MghProblem Bard()
    {
        double[] y = [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39];
        Expression<Func<double[], double, double, double, double, double>> r = (x, y, u, v, w) => y - (x[0] + u / (v * x[1] + w * x[2]));
        return new(8, "Bard", ResidualVector(15, i => Bind(r, y[i - 1], (double)i, 16.0 - i, Math.Min(i, 16.0 - i))), [1, 1, 1], 8.21487e-3,
            "also 17.4286 at (0.8406, -inf, -inf)");
    }

    private static MghProblem Gaussian()
    {
        double[] y = [0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009];
        Expression<Func<double[], double, double, double>> r = (x, t, y) => x[0] * Math.Exp(-x[1] * (t - x[2]) * (t - x[2]) / 2) - y;
        return new(9, "Gaussian", ResidualVector(15, i => Bind(r, (8.0 - i) / 2, y[i - 1])), [0.4, 1, 0], 1.12793e-8);
    }

    private static MghProblem Meyer()
    {
        double[] y = [34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005, 5147, 4427, 3820, 3307, 2872];
        Expression<Func<double[], double, double, double>> r = (x, t, y) => x[0] * Math.Exp(x[1] / (t + x[2])) - y;
        return new(10, "Meyer", ResidualVector(16, i => Bind(r, 45.0 + 5 * i, y[i - 1])), [0.02, 4000, 250], 87.9458);
    }

    private static MghProblem Gulf()
    {
        const int m = 99;
        Expression<Func<double[], double, double, double>> r = (x, t, y) => Math.Exp(-Math.Pow(Math.Abs(y - x[1]), x[2]) / x[0]) - t;
        return new(11, "Gulf research and development", ResidualVector(m, i =>
        {
            var t = i / 100.0;
            return Bind(r, t, 25 + Math.Pow(-50 * Math.Log(t), 2.0 / 3));
        }), [5, 2.5, 0.15], 0, "m = 99; minimum at (50, 25, 1.5)");
    }

    private static MghProblem Box3D()
    {
        Expression<Func<double[], double, double>> r = (x, t) => Math.Exp(-t * x[0]) - Math.Exp(-t * x[1]) - x[2] * (Math.Exp(-t) - Math.Exp(-10 * t));
        return new(12, "Box three-dimensional", ResidualVector(10, i => Bind(r, 0.1 * i)), [0, 10, 20], 0, "m = 10");
    }

    private static MghProblem PowellSingular() => new(13, "Powell singular",
        x => new[] { x[0] + 10 * x[1], Math.Sqrt(5) * (x[2] - x[3]), (x[1] - 2 * x[2]) * (x[1] - 2 * x[2]), Math.Sqrt(10) * (x[0] - x[3]) * (x[0] - x[3]) },
        [3, -1, 0, 1], 0);

    private static MghProblem Wood() => new(14, "Wood",
        x => new[]
        {
            10 * (x[1] - x[0] * x[0]), 1 - x[0], Math.Sqrt(90) * (x[3] - x[2] * x[2]), 1 - x[2],
            Math.Sqrt(10) * (x[1] + x[3] - 2), (x[1] - x[3]) / Math.Sqrt(10),
        },
        [-3, -1, -3, -1], 0);

    private static MghProblem KowalikOsborne()
    {
        double[] y = [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246];
        double[] u = [4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625];
        Expression<Func<double[], double, double, double>> r = (x, u, y) => y - x[0] * (u * u + u * x[1]) / (u * u + u * x[2] + x[3]);
        return new(15, "Kowalik and Osborne", ResidualVector(11, i => Bind(r, u[i - 1], y[i - 1])), [0.25, 0.39, 0.415, 0.39], 3.07505e-4);
    }

    private static MghProblem BrownDennis()
    {
        Expression<Func<double[], double, double>> r = (x, t) =>
            (x[0] + t * x[1] - Math.Exp(t)) * (x[0] + t * x[1] - Math.Exp(t)) + (x[2] + x[3] * Math.Sin(t) - Math.Cos(t)) * (x[2] + x[3] * Math.Sin(t) - Math.Cos(t));
        return new(16, "Brown and Dennis", ResidualVector(20, i => Bind(r, i / 5.0)), [25, 5, -5, -1], 85822.2, "m = 20");
    }

    private static MghProblem Osborne1()
    {
        double[] y =
        [
            0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751, 0.718, 0.685, 0.658, 0.628, 0.603, 0.580,
            0.558, 0.538, 0.522, 0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406,
        ];
        Expression<Func<double[], double, double, double>> r = (x, t, y) => y - (x[0] + x[1] * Math.Exp(-t * x[3]) + x[2] * Math.Exp(-t * x[4]));
        return new(17, "Osborne 1", ResidualVector(33, i => Bind(r, 10.0 * (i - 1), y[i - 1])), [0.5, 1.5, -1, 0.01, 0.02], 5.46489e-5);
    }

    private static MghProblem BiggsExp6()
    {
        Expression<Func<double[], double, double, double>> r = (x, t, y) =>
            x[2] * Math.Exp(-t * x[0]) - x[3] * Math.Exp(-t * x[1]) + x[5] * Math.Exp(-t * x[4]) - y;
        return new(18, "Biggs EXP6", ResidualVector(13, i =>
        {
            var t = 0.1 * i;
            return Bind(r, t, Math.Exp(-t) - 5 * Math.Exp(-10 * t) + 3 * Math.Exp(-4 * t));
        }), [1, 2, 1, 1, 1, 1], 0, "m = 13; also 5.65565e-3 (local)");
    }

    private static MghProblem Osborne2()
    {
        double[] y =
        [
            1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679, 0.608, 0.655, 0.616, 0.606, 0.602,
            0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395, 0.375,
            0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591,
            0.559, 0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054,
        ];
        Expression<Func<double[], double, double, double>> r = (x, t, y) => y - (x[0] * Math.Exp(-t * x[4])
            + x[1] * Math.Exp(-(t - x[8]) * (t - x[8]) * x[5])
            + x[2] * Math.Exp(-(t - x[9]) * (t - x[9]) * x[6])
            + x[3] * Math.Exp(-(t - x[10]) * (t - x[10]) * x[7]));
        return new(19, "Osborne 2", ResidualVector(65, i => Bind(r, (i - 1) / 10.0, y[i - 1])),
            [1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5], 4.01377e-2);
    }

    private static MghProblem Watson()
    {
        // n = 6: r_i = sum_{j=2..n} (j-1) x_j t^(j-2) - (sum_{j=1..n} x_j t^(j-1))^2 - 1, t = i/29, for i <= 29;
        // r_30 = x1, r_31 = x2 - x1^2 - 1. Both sums in Horner form.
        Expression<Func<double[], double, double>> r = (x, t) =>
            (x[1] + t * (2 * x[2] + t * (3 * x[3] + t * (4 * x[4] + t * 5 * x[5]))))
            - (x[0] + t * (x[1] + t * (x[2] + t * (x[3] + t * (x[4] + t * x[5])))))
            * (x[0] + t * (x[1] + t * (x[2] + t * (x[3] + t * (x[4] + t * x[5])))))
            - 1;
        Expression<Func<double[], double>> r30 = x => x[0];
        Expression<Func<double[], double>> r31 = x => x[1] - x[0] * x[0] - 1;
        return new(20, "Watson", ResidualVector(31, i => i <= 29 ? Bind(r, i / 29.0) : Bind(i == 30 ? r30 : r31)), new double[6], 2.28767e-3, "n = 6");
    }

    private static MghProblem ExtendedRosenbrock()
    {
        const int n = 10;
        Expression<Func<double[], int, double>> odd = (x, k) => 10 * (x[2 * k + 1] - x[2 * k] * x[2 * k]);
        Expression<Func<double[], int, double>> even = (x, k) => 1 - x[2 * k];
        return new(21, "Extended Rosenbrock", ResidualVector(n, i => i % 2 == 1 ? Bind(odd, (i - 1) / 2) : Bind(even, (i - 1) / 2)),
            Enumerable.Range(0, n).Select(j => j % 2 == 0 ? -1.2 : 1.0).ToArray(), 0, "n = 10");
    }

    private static MghProblem ExtendedPowellSingular()
    {
        const int n = 8;
        LambdaExpression[] parts =
        [
            (Expression<Func<double[], int, double>>)((x, k) => x[4 * k] + 10 * x[4 * k + 1]),
            (Expression<Func<double[], int, double>>)((x, k) => Math.Sqrt(5) * (x[4 * k + 2] - x[4 * k + 3])),
            (Expression<Func<double[], int, double>>)((x, k) => (x[4 * k + 1] - 2 * x[4 * k + 2]) * (x[4 * k + 1] - 2 * x[4 * k + 2])),
            (Expression<Func<double[], int, double>>)((x, k) => Math.Sqrt(10) * (x[4 * k] - x[4 * k + 3]) * (x[4 * k] - x[4 * k + 3])),
        ];
        return new(22, "Extended Powell singular", ResidualVector(n, i => Bind(parts[(i - 1) % 4], (i - 1) / 4)),
            Enumerable.Range(0, n).Select(j => new[] { 3.0, -1, 0, 1 }[j % 4]).ToArray(), 0, "n = 8");
    }

    private static MghProblem PenaltyI()
    {
        const int n = 10;
        Expression<Func<double[], int, double>> r = (x, j) => Math.Sqrt(1e-5) * (x[j] - 1);
        Expression<Func<double[], int, double>> square = (x, j) => x[j] * x[j];
        return new(23, "Penalty I", ResidualVector(n + 1, i => i <= n
                ? Bind(r, i - 1)
                : Expression.Subtract(Sum(0, n - 1, j => Bind(square, j)), Expression.Constant(0.25))),
            Enumerable.Range(1, n).Select(j => (double)j).ToArray(), 7.08765e-5, "n = 10");
    }

    private static MghProblem PenaltyII()
    {
        const int n = 4;
        Expression<Func<double[], double>> first = x => x[0] - 0.2;
        Expression<Func<double[], int, double, double>> pair = (x, j, y) => Math.Sqrt(1e-5) * (Math.Exp(x[j] / 10) + Math.Exp(x[j - 1] / 10) - y);
        Expression<Func<double[], int, double>> single = (x, j) => Math.Sqrt(1e-5) * (Math.Exp(x[j] / 10) - Math.Exp(-0.1));
        Expression<Func<double[], int, double, double>> weighted = (x, j, w) => w * x[j] * x[j];
        return new(24, "Penalty II", ResidualVector(2 * n, i =>
            i == 1 ? Bind(first)
            : i <= n ? Bind(pair, i - 1, Math.Exp(i / 10.0) + Math.Exp((i - 1) / 10.0))
            : i < 2 * n ? Bind(single, i - n)
            : Expression.Subtract(Sum(1, n, j => Bind(weighted, j - 1, (double)(n - j + 1))), Expression.Constant(1.0))),
            Enumerable.Repeat(0.5, n).ToArray(), 9.37629e-6, "n = 4");
    }

    private static MghProblem VariablyDimensioned()
    {
        const int n = 10;
        Expression<Func<double[], int, double>> r = (x, j) => x[j] - 1;
        Expression<Func<double[], int, double>> term = (x, j) => (j + 1) * (x[j] - 1);
        var s = Sum(0, n - 1, j => Bind(term, j));
        return new(25, "Variably dimensioned", ResidualVector(n + 2, i => i <= n ? Bind(r, i - 1) : i == n + 1 ? s : Expression.Multiply(s, s)),
            Enumerable.Range(1, n).Select(j => 1 - (double)j / n).ToArray(), 0, "n = 10");
    }

    private static MghProblem DiscreteBoundaryValue()
    {
        const int n = 10;
        const double h = 1.0 / (n + 1);
        // x_0 = x_(n+1) = 0: the first and last residuals leave the missing neighbour out.
        Expression<Func<double[], int, double, double>> middle = (x, j, t) => 2 * x[j] - x[j - 1] - x[j + 1] + h * h * Math.Pow(x[j] + t + 1, 3) / 2;
        Expression<Func<double[], int, double, double>> left = (x, j, t) => 2 * x[j] - x[j + 1] + h * h * Math.Pow(x[j] + t + 1, 3) / 2;
        Expression<Func<double[], int, double, double>> right = (x, j, t) => 2 * x[j] - x[j - 1] + h * h * Math.Pow(x[j] + t + 1, 3) / 2;
        return new(28, "Discrete boundary value", ResidualVector(n, i => Bind(i == 1 ? left : i == n ? right : middle, i - 1, i * h)),
            Enumerable.Range(1, n).Select(j => j * h * (j * h - 1)).ToArray(), 0, "n = 10");
    }

    private static MghProblem BroydenTridiagonal()
    {
        const int n = 10;
        Expression<Func<double[], int, double>> middle = (x, j) => (3 - 2 * x[j]) * x[j] - x[j - 1] - 2 * x[j + 1] + 1;
        Expression<Func<double[], int, double>> left = (x, j) => (3 - 2 * x[j]) * x[j] - 2 * x[j + 1] + 1;
        Expression<Func<double[], int, double>> right = (x, j) => (3 - 2 * x[j]) * x[j] - x[j - 1] + 1;
        return new(30, "Broyden tridiagonal", ResidualVector(n, i => Bind(i == 1 ? left : i == n ? right : middle, i - 1)),
            Enumerable.Repeat(-1.0, n).ToArray(), 0, "n = 10");
    }

    private static MghProblem LinearFullRank()
    {
        const int n = 5, m = 10;
        Expression<Func<double[], int, double>> xj = (x, j) => x[j];
        var s = Sum(0, n - 1, j => Bind(xj, j));
        var common = Expression.Add(Expression.Multiply(Expression.Constant(2.0 / m), s), Expression.Constant(1.0));
        return new(32, "Linear full rank", ResidualVector(m, i => i <= n ? Expression.Subtract(Bind(xj, i - 1), common) : Expression.Negate(common)),
            Enumerable.Repeat(1.0, n).ToArray(), m - n, "n = 5, m = 10");
    }
}
