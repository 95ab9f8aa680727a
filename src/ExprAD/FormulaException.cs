namespace ExprAD;

/// <summary>A formula string could not be parsed, or reaches outside the allowed set of math functions.</summary>
public class FormulaException : FormatException
{
    /// <summary>Creates the exception for a fault at <paramref name="position"/> in the formula text.</summary>
    /// <param name="message">What is wrong, quoting the offending token and saying what was expected.</param>
    /// <param name="position">0-based index into the formula text.</param>
    public FormulaException(string message, int position) : base(message) => Position = position;

    /// <summary>0-based index into the formula text where the fault was found.</summary>
    public int Position { get; }
}
