using System.Globalization;

namespace ExprAD.Cli.Output;

internal static class Numbers
{
    /// <summary>Shortest round-trip text, culture-invariant.</summary>
    public static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Three significant digits in exponent form, for errors.</summary>
    public static string E(double value) => value.ToString("0.00E+00", CultureInfo.InvariantCulture);
}
