// Turns BenchmarkDotNet's exported results (*-report-full.json, written by benchmarks/ExprAD.Benchmarks and
// benchmarks/ExprAD.Benchmarks.Torch) into the README's results tables, so the table is regenerated, not typed.
//
//   dotnet run tools/BenchTable.cs -- [--readme README.md] <artifacts folder or json file>...
//
// Without --readme the markdown goes to standard output; with it, the text between <!-- BENCHMARKS:BEGIN --> and
// <!-- BENCHMARKS:END --> is replaced. Every ratio is taken between two rows of the same BenchmarkDotNet run (the
// same report file): gradient / function, ExprAD / hand-written, finite differences / ExprAD, TorchSharp / ExprAD,
// Hessian or Jacobian / function, Hessian-vector product / gradient.
// When a benchmark class appears in several reports, the newest report wins.
using System.Globalization;
using System.Text;
using System.Text.Json;

const string BeginMarker = "<!-- BENCHMARKS:BEGIN -->";
const string EndMarker = "<!-- BENCHMARKS:END -->";

string? readme = null;
var inputs = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--readme" && i + 1 < args.Length)
    {
        readme = args[++i];
    }
    else
    {
        inputs.Add(args[i]);
    }
}
if (inputs.Count == 0)
{
    Console.Error.WriteLine("usage: dotnet run tools/BenchTable.cs -- [--readme README.md] <BenchmarkDotNet.Artifacts folder or *-report-full.json>...");
    return 2;
}

var files = new List<FileInfo>();
foreach (string input in inputs)
{
    if (File.Exists(input))
    {
        files.Add(new FileInfo(input));
    }
    else if (Directory.Exists(input))
    {
        files.AddRange(new DirectoryInfo(input).EnumerateFiles("*-report-full.json", SearchOption.AllDirectories));
    }
    else
    {
        Console.Error.WriteLine($"{input}: no such file or folder.");
        return 2;
    }
}
if (files.Count == 0)
{
    Console.Error.WriteLine("No *-report-full.json found: run the benchmarks first (they export JSON by default).");
    return 1;
}

// Newest report per benchmark class.
var reports = new Dictionary<string, Report>();
foreach (var file in files.OrderBy(f => f.LastWriteTimeUtc))
{
    var report = Report.Load(file.FullName);
    foreach (string type in report.Rows.Select(r => r.Type).Distinct())
    {
        reports[type] = report;
    }
}

string table = Tables.Render(reports);
if (readme is null)
{
    Console.Write(table);
    return 0;
}

string text = File.ReadAllText(readme);
int begin = text.IndexOf(BeginMarker, StringComparison.Ordinal);
int end = text.IndexOf(EndMarker, StringComparison.Ordinal);
if (begin < 0 || end < begin)
{
    Console.Error.WriteLine($"{readme}: needs the markers {BeginMarker} and {EndMarker}, in that order.");
    return 1;
}
string updated = text[..(begin + BeginMarker.Length)] + "\n" + table + text[end..];
File.WriteAllText(readme, updated);
Console.WriteLine($"{readme}: benchmark tables replaced ({files.Count} report files).");
return 0;

/// <summary>One row of a BenchmarkDotNet report: a method of a class with one set of parameters.</summary>
internal sealed record Row(string Type, string Method, string Parameters, double MeanNs, double StandardDeviationNs, long? AllocatedBytes, string Job);

/// <summary>One *-report-full.json: the machine it ran on and its rows.</summary>
internal sealed record Report(string Path, string Machine, IReadOnlyList<Row> Rows)
{
    public static Report Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var host = root.GetProperty("HostEnvironmentInfo");
        string Host(string name) => host.TryGetProperty(name, out var v) ? v.ToString() : "?";
        string machine = $"{Host("ProcessorName")}, {Host("PhysicalCoreCount")} physical / {Host("LogicalCoreCount")} logical cores, "
            + $"{Host("OsVersion")}, {Host("RuntimeVersion")}, {Host("Architecture")}, BenchmarkDotNet {Host("BenchmarkDotNetVersion")}";

        var rows = new List<Row>();
        foreach (var benchmark in root.GetProperty("Benchmarks").EnumerateArray())
        {
            if (!benchmark.TryGetProperty("Statistics", out var statistics) || statistics.ValueKind != JsonValueKind.Object)
            {
                continue; // a benchmark that failed has no statistics
            }
            long? allocated = benchmark.TryGetProperty("Memory", out var memory) && memory.ValueKind == JsonValueKind.Object
                ? memory.GetProperty("BytesAllocatedPerOperation").GetInt64()
                : null;
            // DisplayInfo is "Type.'Description': Job(settings) [Parameters]"; the job's name is what precedes "(".
            string display = benchmark.GetProperty("DisplayInfo").GetString() ?? "";
            int colon = display.LastIndexOf("': ", StringComparison.Ordinal);
            string job = colon < 0 ? "?" : display[(colon + 3)..].Split('(', ' ')[0];
            rows.Add(new Row(
                benchmark.GetProperty("Type").GetString()!,
                benchmark.GetProperty("Method").GetString()!,
                benchmark.GetProperty("Parameters").GetString() ?? "",
                statistics.GetProperty("Mean").GetDouble(),
                statistics.TryGetProperty("StandardDeviation", out var deviation) && deviation.ValueKind == JsonValueKind.Number ? deviation.GetDouble() : 0,
                allocated,
                job));
        }
        return new Report(path, machine, rows);
    }
}

/// <summary>The markdown: machine lines, the run-time table, the compile-time table, the missed targets.</summary>
internal static class Tables
{
    private const double GradientTarget = 3.0, GmmGradientTarget = 2.5, HandWrittenTarget = 1.2, TorchTarget = 10.0;
    private const int TorchTargetMaxInputs = 1000;
    private const double CompileTargetMs = 10.0;
    private const int CompileTargetNodes = 1000;

    // Main-project class -> scenario title. The Torch project's classes are the same names prefixed with "Torch".
    private static readonly (string Type, string Title)[] RunTimeScenarios =
    [
        ("StraightLineBenchmarks", "Straight line, ~300 nodes, 20 inputs"),
        ("RosenbrockBenchmarks", "Extended Rosenbrock"),
        ("LogisticBenchmarks", "Logistic regression, m = 10,000, d = 20"),
        ("MlpBenchmarks", "MLP 10-16-1 tanh, 1,000 rows, 193 weights"),
        ("InPlaceSweepBenchmarks", "In-place Gauss-Seidel sweeps, 1,000 points, 50 sweeps"),
        ("GmmBenchmarks", "ADBench GMM"),
        ("GmmLoopsBenchmarks", "ADBench GMM, Expression.Loop form"),
    ];

    // Scenarios the Torch project does not run, with what the Torch column says instead: the same function as another
    // row's (its Torch columns are in that row, where ExprAD and Torch were measured in one run), or no Torch version.
    private static readonly Dictionary<string, string> WithoutTorch = new()
    {
        ["GmmLoopsBenchmarks"] = "see the LINQ form",
        ["InPlaceSweepBenchmarks"] = "no Torch version",
    };

    private static readonly (string Type, string Title)[] CompileScenarios =
    [
        ("DifferentiateBenchmarks", "Synthetic straight-line function"),
        ("LoopCompileBenchmarks", "LINQ losses"),
        ("GmmCompileBenchmarks", "ADBench GMM objective (1k_gmm_d10_K25)"),
    ];

    public static string Render(IReadOnlyDictionary<string, Report> reports)
    {
        var text = new StringBuilder();
        var misses = new List<string>();

        // Machine lines, one per distinct machine and job among the reports used.
        var used = reports.Values.Distinct().ToList();
        foreach (var group in used.GroupBy(r => r.Machine))
        {
            var jobs = group.SelectMany(r => r.Rows).Select(r => r.Job).Distinct().OrderBy(j => j);
            text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {group.Key}; job: {string.Join(", ", jobs)}.");
        }
        if (used.SelectMany(r => r.Rows).Any(r => r.Job == "Dry"))
        {
            text.AppendLine();
            text.AppendLine("**Dry job (one cold invocation per row): these numbers only show that the benchmarks run; do not read them as timings.**");
        }
        text.AppendLine();

        text.AppendLine("Run time of one call (mean). f: the plain compiled function `AD.Compile(f)`, the baseline; f, plain C#: the same "
            + "function written as C# loops, for scale; grad/f: ExprAD's value + gradient over f; vs hand: ExprAD over the hand-written "
            + "gradient (± the spread from the iterations' standard deviations); FD and Torch columns: how many times faster ExprAD is. "
            + "Every ratio comes from two rows of one BenchmarkDotNet run.");
        text.AppendLine();
        text.AppendLine("| scenario | f | f, plain C# | ExprAD f+grad | grad/f | hand-written f+grad | vs hand | central differences | ExprAD faster than FD | TorchSharp | ExprAD faster than Torch | ExprAD alloc/call | targets |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (type, title) in RunTimeScenarios)
        {
            if (!reports.TryGetValue(type, out var report))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {title} | not run | | | | | | | | | | | |");
                continue;
            }
            reports.TryGetValue("Torch" + type, out var torchReport);
            var rows = report.Rows.Where(r => r.Type == type).ToList();
            bool anyFiniteDifferences = rows.Any(r => r.Method == "CentralDifferences");
            foreach (string parameters in rows.Select(r => r.Parameters).Distinct().OrderBy(p => Inputs(type, p)))
            {
                Row? Find(string method) => rows.FirstOrDefault(r => r.Method == method && r.Parameters == parameters);
                var function = Find("Function");
                var exprAd = Find("ExprADGradient");
                var hand = Find("HandWrittenGradient");
                var handFunction = Find("HandWrittenFunction");
                var differences = Find("CentralDifferences");
                var torchRows = torchReport?.Rows.Where(r => r.Type == "Torch" + type && r.Parameters == parameters).ToList();
                var torch = torchRows?.FirstOrDefault(r => r.Method == "TorchGradient");
                var torchExprAd = torchRows?.FirstOrDefault(r => r.Method == "ExprADGradient");
                string name = parameters.Length == 0 ? title : $"{title}, {Describe(parameters)}";
                int inputs = Inputs(type, parameters);

                var rowMisses = new List<string>();
                double target = type.StartsWith("Gmm", StringComparison.Ordinal) ? GmmGradientTarget : GradientTarget;
                double? gradientRatio = Ratio(exprAd, function);
                double? handRatio = Ratio(exprAd, hand);
                double? finiteDifferenceSpeedup = Ratio(differences, exprAd);
                double? torchSpeedup = Ratio(torch, torchExprAd);
                if (exprAd is null)
                {
                    rowMisses.Add("ExprAD row failed");
                }
                if (gradientRatio > target)
                {
                    rowMisses.Add(Format($"grad/f {gradientRatio:0.##} > {target}"));
                }
                if (handRatio > HandWrittenTarget)
                {
                    rowMisses.Add(Format($"vs hand {handRatio:0.##} > {HandWrittenTarget}"));
                }
                if (exprAd?.AllocatedBytes > 0)
                {
                    rowMisses.Add(Format($"{exprAd.AllocatedBytes} B/call > 0"));
                }
                if (inputs <= TorchTargetMaxInputs && torchSpeedup < TorchTarget)
                {
                    rowMisses.Add(Format($"only {torchSpeedup:0.#}x faster than Torch < {TorchTarget}x"));
                }
                string targets = rowMisses.Count == 0 ? "met" : "**missed**: " + string.Join("; ", rowMisses);
                if (torch is null && inputs <= TorchTargetMaxInputs && !WithoutTorch.ContainsKey(type))
                {
                    targets += " (Torch not measured)";
                }
                misses.AddRange(rowMisses.Select(m => $"{name}: {m}"));

                string differencesCell = differences is not null
                    ? Time(differences.MeanNs)
                    : anyFiniteDifferences ? Format($"skipped: 2n = {2 * inputs:N0} f calls") : "";
                text.AppendLine(string.Join(" | ",
                    "| " + name,
                    Time(function?.MeanNs),
                    Time(handFunction?.MeanNs),
                    Time(exprAd?.MeanNs),
                    Number(gradientRatio, exprAd, function),
                    Time(hand?.MeanNs),
                    Number(handRatio, exprAd, hand),
                    differencesCell,
                    Speedup(finiteDifferenceSpeedup),
                    WithoutTorch.TryGetValue(type, out var noTorch) ? noTorch : torch is null ? "not run" : Time(torch.MeanNs),
                    Speedup(torchSpeedup),
                    Bytes(exprAd?.AllocatedBytes),
                    targets) + " |");
            }
        }

        text.AppendLine();
        text.AppendLine("One-off cost of `AD.Differentiate` (lower, translate, reverse, simplify, emit, compile), against `AD.Compile(f)` "
            + "(lower + `Expression.Compile`); GradientExpression is everything but the IL compilation.");
        text.AppendLine();
        text.AppendLine("| function | AD.Compile | AD.GradientExpression | AD.Differentiate | Differentiate / Compile | Differentiate allocates | target |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (type, title) in CompileScenarios)
        {
            if (!reports.TryGetValue(type, out var report))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {title} | not run | | | | | |");
                continue;
            }
            var rows = report.Rows.Where(r => r.Type == type).ToList();
            foreach (string parameters in rows.Select(r => r.Parameters).Distinct().OrderBy(NumericValue).ThenBy(p => p, StringComparer.Ordinal))
            {
                Row? Find(string method) => rows.FirstOrDefault(r => r.Method == method && r.Parameters == parameters);
                var compile = Find("Compile");
                var expression = Find("GradientExpression");
                var differentiate = Find("Differentiate");
                string name = parameters.Length == 0 ? title : $"{title}, {Describe(parameters)}";
                string target = "";
                if (type == "DifferentiateBenchmarks" && parameters == $"Nodes={CompileTargetNodes}" && differentiate is not null)
                {
                    double ms = differentiate.MeanNs / 1e6;
                    target = ms <= CompileTargetMs ? Format($"met (<= {CompileTargetMs} ms)") : Format($"**missed**: {ms:0.#} ms > {CompileTargetMs} ms");
                    if (ms > CompileTargetMs)
                    {
                        misses.Add(Format($"{name}: Differentiate {ms:0.#} ms > {CompileTargetMs} ms"));
                    }
                }
                text.AppendLine(string.Join(" | ",
                    "| " + name,
                    Time(compile?.MeanNs),
                    Time(expression?.MeanNs),
                    Time(differentiate?.MeanNs),
                    Number(Ratio(differentiate, compile)),
                    Bytes(differentiate?.AllocatedBytes),
                    target) + " |");
            }
        }

        HigherOrder.Render(text, reports, misses);

        text.AppendLine();
        if (misses.Count == 0)
        {
            text.AppendLine("Every target is met in this run.");
        }
        else
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Targets missed in this run ({misses.Count}):");
            text.AppendLine();
            foreach (string miss in misses)
            {
                text.AppendLine("- " + miss);
            }
        }
        return text.ToString();
    }

    // Number of inputs of a scenario, for the FD note and the Torch target (which applies for n <= 1,000).
    private static int Inputs(string type, string parameters)
    {
        string value = parameters.Contains('=') ? parameters[(parameters.IndexOf('=') + 1)..] : "";
        return type switch
        {
            "StraightLineBenchmarks" => 20,
            "LogisticBenchmarks" => 20,
            "MlpBenchmarks" => 10 * 16 + 16 + 16 + 1,
            "InPlaceSweepBenchmarks" => 1000,
            "RosenbrockBenchmarks" => int.Parse(value, CultureInfo.InvariantCulture),
            "GmmBenchmarks" or "GmmLoopsBenchmarks" => GmmParameters(value),
            _ => 0,
        };
    }

    // K + K d + K d (d + 1) / 2, from the header "d K n" of the data file (data/adbench/gmm, from the repository root).
    private static int GmmParameters(string file)
    {
        string path = Path.Combine("data", "adbench", "gmm", file);
        if (!File.Exists(path))
        {
            return int.MaxValue;
        }
        using var reader = new StreamReader(path);
        var header = (reader.ReadLine() ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int d = int.Parse(header[0], CultureInfo.InvariantCulture), k = int.Parse(header[1], CultureInfo.InvariantCulture);
        return k + k * d + k * d * (d + 1) / 2;
    }

    // "N=100000" -> "n = 100,000", "Nodes=1000" -> "1,000 nodes", "File=gmm_test.txt" -> "gmm_test", "Loss=Mlp" -> "Mlp".
    private static string Describe(string parameters)
    {
        int equals = parameters.IndexOf('=');
        if (equals < 0)
        {
            return parameters;
        }
        string name = parameters[..equals], value = parameters[(equals + 1)..];
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number))
        {
            value = number.ToString("N0", CultureInfo.InvariantCulture);
        }
        return name switch
        {
            "N" => "n = " + value,
            "Nodes" => value + " nodes",
            _ => value.Replace(".txt", "", StringComparison.Ordinal),
        };
    }

    private static int NumericValue(string parameters) =>
        int.TryParse(parameters[(parameters.IndexOf('=') + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : 0;

    internal static double? Ratio(Row? numerator, Row? denominator) =>
        numerator is null || denominator is null || denominator.MeanNs <= 0 ? null : numerator.MeanNs / denominator.MeanNs;

    internal static string Time(double? ns) => ns switch
    {
        null => "",
        < 1e3 => Format($"{ns:0.#} ns"),
        < 1e6 => Format($"{ns / 1e3:0.##} µs"),
        < 1e9 => Format($"{ns / 1e6:0.##} ms"),
        _ => Format($"{ns / 1e9:0.##} s"),
    };

    internal static string Number(double? value) => value is null ? "" : Format($"{value:0.00}");

    // A ratio with its spread: the standard deviations of the two rows' iterations, propagated to first order. With
    // three iterations (the short job) it is a rough guide to the noise of the machine, not a confidence interval.
    internal static string Number(double? value, Row? numerator, Row? denominator)
    {
        if (value is null || numerator is null || denominator is null)
        {
            return Number(value);
        }
        double relative = Math.Sqrt(Math.Pow(numerator.StandardDeviationNs / numerator.MeanNs, 2)
            + Math.Pow(denominator.StandardDeviationNs / denominator.MeanNs, 2));
        double spread = value.Value * relative;
        return spread > 0 ? Format($"{value:0.00} ± {spread:0.00}") : Number(value);
    }

    private static string Speedup(double? value) => value is null ? "" : Format($"{value:0.#}x");

    internal static string Bytes(long? bytes) => bytes switch
    {
        null => "",
        < 10_000 => Format($"{bytes} B"),
        _ => Format($"{bytes / 1024.0:N0} KB"),
    };

    internal static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The higher-order tables (benchmarks/ExprAD.Benchmarks/HigherOrder): full Hessian and Jacobians against hand-written
/// ones, and the cost of a Hessian-vector product in gradients. Ratios are between rows of one class (one run).
/// </summary>
internal static class HigherOrder
{
    private const double ProductTarget = 3.0;

    // Class -> title, the ExprAD method and the hand-written method.
    private static readonly (string Type, string Title, string ExprAd, string Hand)[] Scenarios =
    [
        ("HessianBenchmarks", "Hessian, n = 50 (Rosenbrock + sin(x_i x_i+1) + log-sum-exp of 3 dense forms)", "ExprADHessian", "HandWrittenHessian"),
        ("SquareJacobianBenchmarks", "Jacobian, 100 x 100 (Broyden tridiagonal + dense sin coupling)", "ExprADJacobian", "HandWrittenJacobian"),
        ("TallJacobianBenchmarks", "Jacobian, 1,000 x 10 (curve-fit residuals, 10 parameters)", "ExprADJacobian", "HandWrittenJacobian"),
    ];

    private const string ProductType = "HessianVectorProductBenchmarks";

    public static void Render(StringBuilder text, IReadOnlyDictionary<string, Report> reports, List<string> misses)
    {
        text.AppendLine();
        text.AppendLine("Hessians and Jacobians (f + gradient + Hessian, F + Jacobian), against hand-written ones. f: the plain compiled "
            + "function `AD.Compile(f)`; for vector functions, which `AD.Compile` does not take, the AD-free plain C# F writing into "
            + "the caller's array; F.Compile: `Expression.Compile` of the tree ExprAD sees, for scale. /f: cost in evaluations of f.");
        text.AppendLine();
        text.AppendLine("| scenario | f | F.Compile | ExprAD | ExprAD/f | hand-written | hand/f | ExprAD/hand | ExprAD alloc/call |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (type, title, exprAdMethod, handMethod) in Scenarios)
        {
            if (!reports.TryGetValue(type, out var report))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {title} | not run | | | | | | | |");
                continue;
            }
            var rows = report.Rows.Where(r => r.Type == type).ToList();
            Row? Find(string method) => rows.FirstOrDefault(r => r.Method == method);
            var function = Find("Function");
            var compiled = Find("CompiledFunction");
            var exprAd = Find(exprAdMethod);
            var hand = Find(handMethod);
            if (exprAd is null)
            {
                misses.Add($"{title}: ExprAD row failed");
            }
            else if (exprAd.AllocatedBytes > 0)
            {
                misses.Add(Tables.Format($"{title}: {exprAd.AllocatedBytes} B/call > 0"));
            }
            text.AppendLine(string.Join(" | ",
                "| " + title,
                Tables.Time(function?.MeanNs),
                Tables.Time(compiled?.MeanNs),
                Tables.Time(exprAd?.MeanNs),
                Tables.Number(Tables.Ratio(exprAd, function), exprAd, function),
                Tables.Time(hand?.MeanNs),
                Tables.Number(Tables.Ratio(hand, function), hand, function),
                Tables.Number(Tables.Ratio(exprAd, hand), exprAd, hand),
                Tables.Bytes(exprAd?.AllocatedBytes)) + " |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Hessian-vector product (`AD.HessianVectorProduct`, f + H v) against the gradient (`AD.Differentiate`, f + gradient) of the same function; target HVP/gradient <= {ProductTarget}.");
        text.AppendLine();
        text.AppendLine("| function | f | f+grad | f+Hv | grad/f | Hv/f | HVP/gradient | HVP alloc/call | target |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        if (!reports.TryGetValue(ProductType, out var products))
        {
            text.AppendLine("| Hessian-vector products | not run | | | | | | | |");
            return;
        }
        var productRows = products.Rows.Where(r => r.Type == ProductType).ToList();
        foreach (string parameters in productRows.Select(r => r.Parameters).Distinct().OrderBy(p => p, StringComparer.Ordinal))
        {
            Row? Find(string method) => productRows.FirstOrDefault(r => r.Method == method && r.Parameters == parameters);
            var function = Find("PlainFunction");
            var gradient = Find("ExprADGradient");
            var product = Find("ExprADHessianVectorProduct");
            string name = parameters switch
            {
                "Function=Coupled50" => "Hessian scenario's function, n = 50",
                "Function=Rosenbrock1000" => "Extended Rosenbrock, n = 1,000",
                _ => parameters,
            };
            double? ratio = Tables.Ratio(product, gradient);
            var rowMisses = new List<string>();
            if (product is null)
            {
                rowMisses.Add("HVP row failed");
            }
            if (ratio > ProductTarget)
            {
                rowMisses.Add(Tables.Format($"HVP/gradient {ratio:0.##} > {ProductTarget}"));
            }
            if (product?.AllocatedBytes > 0)
            {
                rowMisses.Add(Tables.Format($"HVP {product.AllocatedBytes} B/call > 0"));
            }
            misses.AddRange(rowMisses.Select(m => $"{name}: {m}"));
            text.AppendLine(string.Join(" | ",
                "| " + name,
                Tables.Time(function?.MeanNs),
                Tables.Time(gradient?.MeanNs),
                Tables.Time(product?.MeanNs),
                Tables.Number(Tables.Ratio(gradient, function), gradient, function),
                Tables.Number(Tables.Ratio(product, function), product, function),
                Tables.Number(ratio, product, gradient),
                Tables.Bytes(product?.AllocatedBytes),
                rowMisses.Count == 0 ? "met" : "**missed**: " + string.Join("; ", rowMisses)) + " |");
        }
    }
}
