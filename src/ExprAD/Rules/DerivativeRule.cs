using ExprAD.Ir;

namespace ExprAD.Rules;

/// <summary>
/// Builds the local partial derivatives d result / d args[i] of one elementary operation, as IR values
/// (null where the partial is zero). <paramref name="result"/> is the primal result, free to reuse
/// (for exp the partial is the result itself). Reverse mode emits <c>argbar += partial * resultbar</c>,
/// forward mode <c>resultdot = sum partial * argdot</c>.
/// </summary>
internal delegate Value?[] PartialsBuilder(IrBuilder b, Value[] args, Value result);

/// <param name="Name">How the rule is shown in messages and test tables, e.g. "Math.Sin".</param>
/// <param name="Partials">Null for piecewise-constant functions (floor, round): derivative zero everywhere.</param>
internal sealed record DerivativeRule(string Name, PartialsBuilder? Partials)
{
    public bool IsZero => Partials is null;
}
