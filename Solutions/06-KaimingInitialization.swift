// Chapter 06 · Reference solution for Exercises/06-KaimingInitialization.swift.
import Engine

public func kaimingNormal(shape: [Int], rng: inout RandomSource) -> Tensor {
    // (D, M): each of the M outputs adds up D inputs. (F, C, KH, KW): each adds up C·KH·KW.
    let fanIn = shape.count == 2 ? shape[0] : shape.dropFirst().reduce(1, *)
    let standardDeviation = (2 / Float(fanIn)).squareRoot()
    var weights = Tensor(zeros: shape)
    for i in 0..<weights.count { weights.scalars[i] = standardDeviation * rng.normal() }
    return weights
}
