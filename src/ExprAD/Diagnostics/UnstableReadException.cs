namespace ExprAD.Diagnostics;

/// <summary>
/// The refusal of a reverse sweep that would read an array element overwritten since the forward sweep read it
/// (<c>IrEmitter.RefuseUnstableLoads</c>). A type of its own so that the pipelines can build once more without
/// start-state replays (<c>ReverseSweep.WithStartStateFallback</c>), which is what may have left the read unstable;
/// callers see a <see cref="NotSupportedException"/>.
/// </summary>
internal sealed class UnstableReadException(string message) : NotSupportedException(message);
