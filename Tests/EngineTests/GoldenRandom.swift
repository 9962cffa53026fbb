/// The first outputs of `RandomSource(seed: 0)`, recorded once and cross-checked against an
/// independent Python implementation of SplitMix64 + xoshiro256** + Box–Muller
/// (first normals −0.14111270, −1.31582565). If these ever change, every lesson's output
/// quoted in the book changes with them.
enum GoldenRandom {
    static let raw: [UInt64] = [11091344671253066420, 13793997310169335082, 1900383378846508768]
    /// Float bit patterns of the next four normal draws (−0.1411127, −1.3158257, −0.019805498, 0.010532478).
    static let normalBits: [UInt32] = [3188752345, 3215486202, 3164749604, 1009553514]
}
