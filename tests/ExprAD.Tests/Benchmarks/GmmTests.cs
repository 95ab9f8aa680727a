using ExprAD.Benchmarks.Shared;

namespace ExprAD.Tests.Benchmarks;

/// <summary>
/// Guards the GMM benchmark function: the loader, lgamma, and the three forms of the objective (LINQ
/// expression, plain C#, hand-written gradient) must agree with ADBench and with each other, or the
/// benchmark compares different computations.
/// </summary>
public class GmmTests
{
    // ADBench's own value of the objective on gmm_test.txt at its initial parameters.
    private const double AdBenchTestValue = 8.07380408004975791;

    public static TheoryData<string> SmallFiles() => new() { "gmm_test.txt", "1k_gmm_d2_K5.txt" };

    // d = 10 has 45 strictly-lower entries per component, so it exercises the column-by-column index
    // formula that d = 2 (one entry) cannot.
    public static TheoryData<string> FilesUpToD10() => new() { "gmm_test.txt", "1k_gmm_d2_K5.txt", "1k_gmm_d10_K5.txt" };

    [Fact]
    public void DataDirectoryHoldsEveryListedFile()
    {
        string folder = GmmData.FindDataDirectory();

        foreach (string file in GmmData.FileNames)
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} is missing from {folder}");
        }
    }

    [Fact]
    public void LoadReadsTheTestFile()
    {
        var data = GmmData.LoadFile("gmm_test.txt");

        Assert.Equal((2, 3, 1), (data.D, data.K, data.N));
        Assert.Equal([-0.649014, 1.181166, -0.758453], data.Alphas);
        Assert.Equal(0.419195, data.Means[2, 1]);
        Assert.Equal(-1.270071, data.Icf[2, 2]);
        Assert.Equal(2.029160, data.X[0, 1]);
        Assert.Equal((1.0, 0), (data.Gamma, data.M));
        Assert.Equal(18, data.ParameterCount);
    }

    [Theory]
    [InlineData("1k_gmm_d2_K5.txt", 2, 5, 30)]
    [InlineData("1k_gmm_d10_K25.txt", 10, 25, 1650)]
    [InlineData("1k_gmm_d64_K10.txt", 64, 10, 21450)]
    public void LoadReadsTheShapeOfLargerFiles(string file, int d, int k, int parameterCount)
    {
        var data = GmmData.LoadFile(file);

        Assert.Equal((d, k, 1000, parameterCount), (data.D, data.K, data.N, data.ParameterCount));
    }

    [Fact]
    public void LoadRejectsATruncatedFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "2 1 1\n0.5\n0 0\n0 0 0\n1 1\n");

            var error = Assert.Throws<InvalidDataException>(() => GmmData.Load(path));
            Assert.Contains("ends after", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void InitialParametersArePackedAlphasMeansIcf()
    {
        var data = GmmData.LoadFile("gmm_test.txt");

        double[] p = data.InitialParameters();

        Assert.Equal(
            [
                -0.649014, 1.181166, -0.758453,
                0.092339, 0.186260, 0.345561, 0.396767, 0.538817, 0.419195,
                0.586443, -0.851887, 0.800321, -1.509405, 0.875874, -0.242790, 0.166813, -1.965419, -1.270071,
            ],
            p);
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(2.0, 0.0)]
    [InlineData(0.5, 0.57236494292470008707)] // log sqrt(pi)
    [InlineData(1.5, -0.12078223763524522234)] // log(sqrt(pi) / 2)
    [InlineData(3.0, 0.69314718055994530942)] // log 2
    [InlineData(10.0, 12.801827480081469611)] // log 9!
    [InlineData(0.1, 2.2527126517342059599)]
    [InlineData(7.5, 7.5343642367587329552)]
    [InlineData(100.0, 359.13420536957539878)] // log 99!
    [InlineData(1e-8, 18.420680738180208905)] // -log x - euler gamma x, to 1e-16
    public void LogGammaMatchesKnownValues(double x, double expected)
    {
        // Absolute 1e-14 where lgamma crosses zero, relative 1e-14 elsewhere.
        Assert.True(
            Math.Abs(Gmm.LogGamma(x) - expected) <= 1e-14 * Math.Max(1.0, Math.Abs(expected)),
            $"LogGamma({x:R}) = {Gmm.LogGamma(x):R}, expected {expected:R}");
    }

    [Fact]
    public void LogGammaSatisfiesTheRecurrence()
    {
        // lgamma(x + 1) = lgamma(x) + log x across the switch to Stirling's series at 15.
        for (double x = 0.3; x < 40; x += 0.7)
        {
            double left = Gmm.LogGamma(x + 1), right = Gmm.LogGamma(x) + Math.Log(x);
            Assert.True(Math.Abs(left - right) <= 2e-14 * Math.Max(1.0, Math.Abs(left)), $"x = {x:R}: {left:R} vs {right:R}");
        }
    }

    [Fact]
    public void LogGammaDOfDimensionOneIsLogGamma()
    {
        Assert.Equal(Gmm.LogGamma(2.5), Gmm.LogGammaD(2.5, 1));
        // Gamma_2(a) = sqrt(pi) Gamma(a) Gamma(a - 1/2)
        Assert.Equal(0.5 * Math.Log(Math.PI) + Gmm.LogGamma(3.0) + Gmm.LogGamma(2.5), Gmm.LogGammaD(3.0, 2), 14);
    }

    [Fact]
    public void ValueOnTheTestFileIsAdBenchs()
    {
        var data = GmmData.LoadFile("gmm_test.txt");

        double value = Gmm.Value(data, data.InitialParameters());

        AssertRelativelyClose(AdBenchTestValue, value, 1e-12, "f");
    }

    [Theory]
    [MemberData(nameof(FilesUpToD10))]
    public void ValueEqualsADenseMatrixReference(string file)
    {
        var data = GmmData.LoadFile(file);

        foreach (double[] p in Points(data))
        {
            AssertRelativelyClose(DenseReferenceValue(data, p), Gmm.Value(data, p), 1e-12, "f");
        }
    }

    [Theory]
    [MemberData(nameof(FilesUpToD10))]
    public void CompiledObjectiveEqualsValue(string file)
    {
        var data = GmmData.LoadFile(file);
        var compiled = Gmm.Objective(data).Compile();

        foreach (double[] p in Points(data))
        {
            AssertRelativelyClose(Gmm.Value(data, p), compiled(p), 1e-12, "f");
        }
    }

    [Theory]
    [MemberData(nameof(FilesUpToD10))]
    public void HandWrittenValueEqualsValueAndEveryEntryIsOverwritten(string file)
    {
        var data = GmmData.LoadFile(file);

        foreach (double[] p in Points(data))
        {
            var gradient = FilledWithGarbage(p.Length);
            double value = Gmm.ValueAndGradient(data, p, gradient);

            AssertRelativelyClose(Gmm.Value(data, p), value, 1e-12, "f");
            Assert.DoesNotContain(12345.678, gradient);
        }
    }

    [Fact]
    public void HandWrittenGradientMatchesCentralDifferencesPerCoordinateOnTheTestFile()
    {
        var data = GmmData.LoadFile("gmm_test.txt");

        foreach (double[] p in Points(data))
        {
            var gradient = new double[p.Length];
            Gmm.ValueAndGradient(data, p, gradient);
            for (int j = 0; j < p.Length; j++)
            {
                var direction = new double[p.Length];
                direction[j] = 1.0;
                AssertRelativelyClose(DirectionalDifference(data, p, direction), gradient[j], 1e-8, $"gradient[{j}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(FilesUpToD10))]
    public void HandWrittenGradientMatchesCentralDifferencesInRandomDirections(string file)
    {
        var data = GmmData.LoadFile(file);
        var random = new Random(7);

        foreach (double[] p in Points(data))
        {
            var gradient = new double[p.Length];
            Gmm.ValueAndGradient(data, p, gradient);
            for (int trial = 0; trial < 4; trial++)
            {
                var direction = new double[p.Length];
                for (int j = 0; j < direction.Length; j++)
                {
                    direction[j] = 2.0 * random.NextDouble() - 1.0;
                }
                double projected = 0;
                for (int j = 0; j < direction.Length; j++)
                {
                    projected += gradient[j] * direction[j];
                }
                AssertRelativelyClose(DirectionalDifference(data, p, direction), projected, 1e-8, $"direction {trial}");
            }
        }
    }

    [Fact]
    public void HandWrittenGradientIsRightWithAWishartPriorThatMatters()
    {
        // The shipped files all have gamma = 1, m = 0; other values check the prior's gamma and m terms.
        var file = GmmData.LoadFile("gmm_test.txt");
        var data = new GmmData(file.Alphas, file.Means, file.Icf, file.X, gamma: 0.7, m: 3);
        double[] p = data.InitialParameters();
        var gradient = new double[p.Length];

        double value = Gmm.ValueAndGradient(data, p, gradient);

        AssertRelativelyClose(DenseReferenceValue(data, p), value, 1e-12, "f");
        AssertRelativelyClose(DenseReferenceValue(data, p), Gmm.Objective(data).Compile()(p), 1e-12, "f (LINQ)");
        for (int j = 0; j < p.Length; j++)
        {
            var direction = new double[p.Length];
            direction[j] = 1.0;
            AssertRelativelyClose(DirectionalDifference(data, p, direction), gradient[j], 1e-8, $"gradient[{j}]");
        }
    }

    [Fact]
    public void HandWrittenGradientWorksWithPooledScratch()
    {
        // d = 64, K = 10 needs about 2,000 doubles of scratch, near the stack limit; one point keeps it quick.
        var file = GmmData.LoadFile("1k_gmm_d64_K10.txt");
        var onePoint = new double[1, file.D];
        for (int j = 0; j < file.D; j++)
        {
            onePoint[0, j] = file.X[0, j];
        }
        var wide = new GmmData(
            [.. file.Alphas, .. file.Alphas, .. file.Alphas],
            Stack(file.Means, 3), Stack(file.Icf, 3), onePoint, file.Gamma, file.M);
        double[] p = wide.InitialParameters();
        var gradient = FilledWithGarbage(p.Length);

        double value = Gmm.ValueAndGradient(wide, p, gradient);

        AssertRelativelyClose(Gmm.Value(wide, p), value, 1e-12, "f");
        var direction = new double[p.Length];
        var random = new Random(3);
        double projected = 0;
        for (int j = 0; j < p.Length; j++)
        {
            direction[j] = 2.0 * random.NextDouble() - 1.0;
            projected += gradient[j] * direction[j];
        }
        AssertRelativelyClose(DirectionalDifference(wide, p, direction), projected, 1e-8, "directional derivative");
    }

    [Fact]
    public void EntryRowColumnOfQIsAtTheDocumentedIndex()
    {
        // Pin the packed index c(2d - c - 1)/2 + r - c - 1 against the README's enumeration order for d = 5.
        const int d = 5;
        int index = 0;
        for (int c = 0; c < d; c++)
        {
            for (int r = c + 1; r < d; r++)
            {
                Assert.Equal(index++, c * (2 * d - c - 1) / 2 + r - c - 1);
            }
        }
        Assert.Equal(d * (d - 1) / 2, index);
    }

    /// <summary>The file's parameters, and two perturbations of them, so nothing is tuned to one point.</summary>
    internal static IEnumerable<double[]> Points(GmmData data)
    {
        double[] initial = data.InitialParameters();
        yield return initial;
        foreach (int seed in new[] { 11, 12 })
        {
            var random = new Random(seed);
            var p = (double[])initial.Clone();
            for (int j = 0; j < p.Length; j++)
            {
                p[j] += 0.3 * (2.0 * random.NextDouble() - 1.0);
            }
            yield return p;
        }
    }

    /// <summary>
    /// The objective straight from the README with dense matrices: Q_k built entry by entry in the README's
    /// enumeration order (no index formula), then main = alpha + sum q - 0.5 ||Q (x - mu)||^2.
    /// </summary>
    internal static double DenseReferenceValue(GmmData data, double[] p)
    {
        int d = data.D, K = data.K, n = data.N;
        var q = new double[K][,];
        double prior = 0;
        for (int k = 0; k < K; k++)
        {
            int offset = data.IcfOffset + k * data.IcfLength;
            q[k] = new double[d, d];
            double sumQ = 0, frobenius = 0;
            for (int j = 0; j < d; j++)
            {
                q[k][j, j] = Math.Exp(p[offset + j]);
                sumQ += p[offset + j];
                frobenius += q[k][j, j] * q[k][j, j];
            }
            int next = offset + d;
            for (int column = 0; column < d; column++)
            {
                for (int row = column + 1; row < d; row++)
                {
                    q[k][row, column] = p[next++];
                    frobenius += q[k][row, column] * q[k][row, column];
                }
            }
            prior += 0.5 * data.Gamma * data.Gamma * frobenius - data.M * sumQ;
        }

        double dataTerm = 0;
        var main = new double[K];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < K; k++)
            {
                double sumQ = 0, squaredNorm = 0;
                for (int j = 0; j < d; j++)
                {
                    sumQ += Math.Log(q[k][j, j]);
                }
                for (int row = 0; row < d; row++)
                {
                    double product = 0;
                    for (int column = 0; column < d; column++)
                    {
                        product += q[k][row, column] * (data.X[i, column] - p[data.MeansOffset + k * d + column]);
                    }
                    squaredNorm += product * product;
                }
                main[k] = p[k] + sumQ - 0.5 * squaredNorm;
            }
            dataTerm += LogSumExp(main);
        }

        double wishartN = d + data.M + 1;
        double c = wishartN * d * (Math.Log(data.Gamma) - 0.5 * Math.Log(2.0)) - Gmm.LogGammaD(0.5 * wishartN, d);
        return -0.5 * n * d * Math.Log(2.0 * Math.PI) + dataTerm - n * LogSumExp(p.AsSpan(0, K).ToArray()) + prior - K * c;
    }

    private static double LogSumExp(double[] values)
    {
        double max = values.Max();
        return max + Math.Log(values.Sum(v => Math.Exp(v - max)));
    }

    /// <summary>
    /// Fourth-order central difference of Value along a direction,
    /// (8 (f(h) - f(-h)) - (f(2h) - f(-2h))) / 12h, with the step scaled by 1/|direction| so every parameter
    /// moves by about 1e-3. Truncation is then ~h^4 (below 1e-11 here) and rounding ~eps |f| / h is a hundred
    /// times smaller than with a plain central difference at h = 1e-5: on the 1k files |f| is 1e4 to 1e5.
    /// </summary>
    internal static double DirectionalDifference(GmmData data, double[] p, double[] direction)
    {
        double norm = Math.Sqrt(direction.Sum(v => v * v));
        double step = 1e-3 / norm;
        var shifted = new double[p.Length];

        double At(double multiple)
        {
            for (int j = 0; j < p.Length; j++)
            {
                shifted[j] = p[j] + multiple * step * direction[j];
            }
            return Gmm.Value(data, shifted);
        }

        return (8.0 * (At(1) - At(-1)) - (At(2) - At(-2))) / (12.0 * step);
    }

    // Catches implementations that only add into the gradient instead of overwriting every entry.
    internal static double[] FilledWithGarbage(int length)
    {
        var array = new double[length];
        Array.Fill(array, 12345.678);
        return array;
    }

    // Relative to the larger magnitude, with a floor of 1 so components near zero are compared absolutely.
    internal static void AssertRelativelyClose(double expected, double actual, double relativeTolerance, string what)
    {
        double scale = Math.Max(1.0, Math.Max(Math.Abs(expected), Math.Abs(actual)));
        double error = Math.Abs(expected - actual);
        Assert.True(
            error <= relativeTolerance * scale,
            $"{what}: expected {expected:R}, actual {actual:R}, error {error:E3} > {relativeTolerance:E0} x {scale:G4}");
    }

    private static double[,] Stack(double[,] rows, int copies)
    {
        int count = rows.GetLength(0), width = rows.GetLength(1);
        var stacked = new double[count * copies, width];
        for (int copy = 0; copy < copies; copy++)
        {
            for (int r = 0; r < count; r++)
            {
                for (int c = 0; c < width; c++)
                {
                    stacked[copy * count + r, c] = rows[r, c];
                }
            }
        }
        return stacked;
    }
}

/// <summary>
/// ExprAD on the GMM objective, in both forms (the LINQ expression <see cref="Gmm.Objective"/> and the
/// Expression.Loop form with scratch arrays <see cref="GmmLoops.Objective"/>): AD.Compile and AD.Differentiate
/// against the plain C# value and the hand-written gradient.
/// </summary>
public class GmmDifferentiationTests
{
    public static TheoryData<string, string> Files()
    {
        var files = new TheoryData<string, string>();
        foreach (var form in new[] { "LINQ", "Loops" })
            foreach (var file in new[] { "gmm_test.txt", "1k_gmm_d2_K5.txt", "1k_gmm_d10_K5.txt" })
                files.Add(form, file);
        return files;
    }

    private static System.Linq.Expressions.Expression<Func<double[], double>> Objective(string form, GmmData data)
        => form == "LINQ" ? Gmm.Objective(data) : GmmLoops.Objective(data);

    [Theory]
    [MemberData(nameof(Files))]
    public void CompiledObjectiveEqualsValue(string form, string file)
    {
        var data = GmmData.LoadFile(file);
        var compiled = AD.Compile(Objective(form, data));

        foreach (double[] p in GmmTests.Points(data))
        {
            GmmTests.AssertRelativelyClose(Gmm.Value(data, p), compiled(p), 1e-12, "f");
        }
    }

    [Theory]
    [InlineData("LINQ")]
    [InlineData("Loops")]
    public void CompiledObjectiveOnTheTestFileIsAdBenchs(string form)
    {
        var data = GmmData.LoadFile("gmm_test.txt");

        double value = AD.Compile(Objective(form, data))(data.InitialParameters());

        GmmTests.AssertRelativelyClose(8.07380408004975791, value, 1e-12, "f");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void GradientEqualsHandWrittenGradient(string form, string file)
    {
        var data = GmmData.LoadFile(file);
        var differentiated = AD.Differentiate(Objective(form, data));

        foreach (double[] p in GmmTests.Points(data))
        {
            var expected = new double[p.Length];
            double expectedValue = Gmm.ValueAndGradient(data, p, expected);
            var actual = GmmTests.FilledWithGarbage(p.Length);

            double actualValue = differentiated(p, actual);

            GmmTests.AssertRelativelyClose(expectedValue, actualValue, 1e-12, "f");
            for (int j = 0; j < p.Length; j++)
            {
                GmmTests.AssertRelativelyClose(expected[j], actual[j], 1e-10, $"gradient[{j}]");
            }
        }
    }

    [Theory]
    [InlineData("LINQ")]
    [InlineData("Loops")]
    public void GradientIsRightWithAWishartPriorThatMattersAndForwardModeAgrees(string form)
    {
        // The shipped files all have gamma = 1, m = 0; other values check the prior's gamma and m terms.
        var file = GmmData.LoadFile("1k_gmm_d2_K5.txt");
        var data = new GmmData(file.Alphas, file.Means, file.Icf, file.X, gamma: 0.7, m: 3);
        var objective = Objective(form, data);
        double[] p = data.InitialParameters();
        var expected = new double[p.Length];
        Gmm.ValueAndGradient(data, p, expected);
        var actual = new double[p.Length];

        AD.Differentiate(objective)(p, actual);

        for (int j = 0; j < p.Length; j++)
        {
            GmmTests.AssertRelativelyClose(expected[j], actual[j], 1e-10, $"gradient[{j}]");
        }
        var direction = new double[p.Length];
        var random = new Random(7);
        for (int j = 0; j < p.Length; j++)
        {
            direction[j] = random.NextDouble() - 0.5;
        }
        double directional = AD.DirectionalDerivative(objective)(p, direction);
        GmmTests.AssertRelativelyClose(expected.Zip(direction, (g, v) => g * v).Sum(), directional, 1e-10, "forward mode");
    }
}
