using System.ComponentModel;
using ExprAD.Cli.Output;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ExprAD.Cli.Commands;

/// <summary>Settings of <see cref="CheckCommand"/>: the point and the tolerance.</summary>
public sealed class CheckSettings : PointSettings
{
    [CommandOption("--tolerance <TOL>")]
    [Description("Agreement criterion |fd - ad| <= TOL * (1 + |ad|) per input.")]
    [DefaultValue(1e-5)]
    public double Tolerance { get; set; } = 1e-5;
}

/// <summary>
/// <c>exprad check "formula" --at ...</c>: the AD gradient against central finite differences
/// (h = 1e-6 * max(1, |x_i|)), entry by entry, with the error. Exit code 1 when an entry disagrees.
/// </summary>
public sealed class CheckCommand : FormulaCommand<CheckSettings>
{
    private const double RelativeStep = 1e-6;

    protected override int Run(CheckSettings settings)
    {
        var point = settings.RequirePoint("check");
        var f = Formula.Parse(settings.Formula, point.Names);
        var ad = new double[point.Values.Length];
        double value = AD.Differentiate(f)(point.Values, ad);
        var function = AD.Compile(f);

        Console.Out.WriteLine($"f = {settings.Formula}");
        Console.Out.WriteLine($"value = {Numbers.R(value)}");
        var table = new Table().AddColumn("input").AddColumn("at").AddColumn("AD").AddColumn("finite difference").AddColumn("error");
        double worst = 0;
        bool agree = true;
        for (int k = 0; k < ad.Length; k++)
        {
            double fd = CentralDifference(function, point.Values, k);
            double error = Math.Abs(fd - ad[k]);
            agree &= error <= settings.Tolerance * (1 + Math.Abs(ad[k]));
            worst = double.IsNaN(error) ? double.NaN : Math.Max(worst, error);
            table.AddRow(new Text(point.Label(k)), new Text(Numbers.R(point.Values[k])), new Text(Numbers.R(ad[k])),
                new Text(Numbers.R(fd)), new Text(Numbers.E(error)));
        }
        Consoles.Out.Write(table);
        Console.Out.WriteLine(agree
            ? $"agree: max error {Numbers.E(worst)} within {Numbers.E(settings.Tolerance)} * (1 + |AD|)"
            : $"DISAGREE: max error {Numbers.E(worst)} exceeds {Numbers.E(settings.Tolerance)} * (1 + |AD|)");
        return agree ? 0 : ErrorReport.Failure;
    }

    private static double CentralDifference(Func<double[], double> f, double[] x, int k)
    {
        double h = RelativeStep * Math.Max(1, Math.Abs(x[k]));
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[k] += h;
        minus[k] -= h;
        return (f(plus) - f(minus)) / (plus[k] - minus[k]);
    }
}
