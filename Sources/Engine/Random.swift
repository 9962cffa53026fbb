/// The engine's seedable random number generator.
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, so every run would differ. This one is
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: fast, statistically solid, and
/// bit-for-bit the same on every platform. `normal()` avoids the C math library (whose `log` and
/// `cos` may differ in the last bit between Linux and macOS), so the same seed gives the same
/// numbers everywhere.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    /// A second normal draw kept from the last Box–Muller pair.
    private var spareNormal: Float?

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// The generator's whole state as text ("xoshiro256** s0 s1 s2 s3 [spare]", in hex), which a
    /// checkpoint stores so that a resumed run draws the same numbers an uninterrupted one would.
    public var savedState: String {
        let words = [state.0, state.1, state.2, state.3].map { String($0, radix: 16) }
        return (["xoshiro256**"] + words + (spareNormal.map { [String($0.bitPattern, radix: 16)] } ?? [])).joined(separator: " ")
    }

    /// A generator continuing from `savedState`; nil if the text is not one.
    public init?(savedState text: String) {
        let parts = text.split(separator: " ")
        guard parts.first == "xoshiro256**", parts.count == 5 || parts.count == 6 else { return nil }
        let words = parts.dropFirst().prefix(4).compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, words != [0, 0, 0, 0] else { return nil }
        state = (words[0], words[1], words[2], words[3])
        if parts.count == 6 {
            guard let bits = UInt32(parts[5], radix: 16) else { return nil }
            spareNormal = Float(bitPattern: bits)
        }
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform draw from [0, 1), with 24 random bits (every Float in the grid is equally likely).
    public mutating func uniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform draw from [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// A uniform integer in 0..<upperBound.
    public mutating func integer(below upperBound: Int) -> Int {
        Int.random(in: 0..<upperBound, using: &self)
    }

    /// A draw from the standard normal distribution N(0, 1), by the Box–Muller transform:
    /// for u1, u2 uniform on (0, 1], sqrt(−2 ln u1)·cos(2π u2) and sqrt(−2 ln u1)·sin(2π u2)
    /// are two independent standard normals.
    public mutating func normal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let u1 = Double((next() >> 11) + 1) * 0x1p-53   // (0, 1]: never log(0)
        let u2 = Double(next() >> 11) * 0x1p-53         // [0, 1)
        let radius = (-2 * PortableMath.log(u1)).squareRoot()
        let (sine, cosine) = PortableMath.sinCosTwoPi(u2)
        spareNormal = Float(radius * sine)
        return Float(radius * cosine)
    }

    /// A normal draw with the given mean and standard deviation.
    public mutating func normal(mean: Float, standardDeviation: Float) -> Float {
        mean + standardDeviation * normal()
    }

    /// A normal draw redrawn until it lies within two standard deviations of the mean,
    /// as TensorFlow's `truncated_normal` does.
    public mutating func truncatedNormal(mean: Float = 0, standardDeviation: Float) -> Float {
        while true {
            let z = normal()
            if abs(z) <= 2 { return mean + standardDeviation * z }
        }
    }

    /// Shuffles `array` in place (Fisher–Yates), reproducibly for a given seed.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, integer(below: i + 1))
        }
    }
}

/// `log`, `sin` and `cos` written with + − × ÷ and square root only. IEEE 754 rounds those
/// exactly the same way on every machine, so results are identical across platforms; the C
/// library's versions are only promised to be within an ulp or so.
enum PortableMath {
    /// Natural logarithm for x > 0: write x = m·2^e with m in [√½, √2), then
    /// ln x = e·ln 2 + 2·atanh(s), s = (m − 1)/(m + 1), summing the atanh series.
    static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite)
        var e = Double(x.exponent)
        var m = x.significand                       // in [1, 2)
        if m > 1.4142135623730951 { m /= 2; e += 1 }
        let s = (m - 1) / (m + 1)                   // |s| < 0.1716
        let s2 = s * s
        var term = s, series = 0.0
        for k in stride(from: 1.0, through: 41.0, by: 2.0) {  // 21 terms: error far below 1e-17
            series += term / k
            term *= s2
        }
        return e * 0.6931471805599453 + 2 * series
    }

    /// (sin 2πu, cos 2πu) for u in [0, 1).
    static func sinCosTwoPi(_ u: Double) -> (Double, Double) {
        // Fold into the first quadrant: angle = 2π·(q/4 + f) with f in [0, 1/4).
        let quarter = (u * 4).rounded(.down)
        let f = u - quarter / 4
        let x = 2 * Double.pi * f                   // [0, π/2)
        let x2 = x * x
        // Taylor series; 12 terms each reach below 1e-17 for |x| < π/2.
        var s = 0.0, c = 0.0
        var sTerm = x, cTerm = 1.0
        for k in 0..<12 {
            s += sTerm
            c += cTerm
            let n = Double(2 * k + 2)
            sTerm *= -x2 / (n * (n + 1))
            cTerm *= -x2 / ((n - 1) * n)
        }
        switch Int(quarter) & 3 {
        case 0: return (s, c)
        case 1: return (c, -s)
        case 2: return (-s, -c)
        default: return (-c, s)
        }
    }
}

extension Tensor {
    /// A tensor of independent N(mean, std²) draws.
    public init(normal shape: [Int], mean: Float = 0, standardDeviation: Float = 1, rng: inout RandomSource) {
        self.init(zeros: shape)
        for i in 0..<count { scalars[i] = rng.normal(mean: mean, standardDeviation: standardDeviation) }
    }

    /// A tensor of normal draws truncated at two standard deviations (TensorFlow's `truncated_normal`).
    public init(truncatedNormal shape: [Int], standardDeviation: Float, rng: inout RandomSource) {
        self.init(zeros: shape)
        for i in 0..<count { scalars[i] = rng.truncatedNormal(standardDeviation: standardDeviation) }
    }

    /// A tensor of uniform draws from [low, high).
    public init(uniform shape: [Int], low: Float, high: Float, rng: inout RandomSource) {
        self.init(zeros: shape)
        for i in 0..<count { scalars[i] = rng.uniform(low, high) }
    }
}
