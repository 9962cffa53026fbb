import Dispatch

/// A built-in stand-in for MNIST that needs no files and no network: the ten digits drawn as pen
/// strokes, each in one of a few styles, with a random thickness, slant, rotation, size, shift,
/// warp, wobble and noise, sometimes a stray stroke, on 28×28 pixels like MNIST (the digit mostly
/// inside the central 20×20 box). The same seed gives the same images on
/// every machine (only + − × ÷ and √, no platform math library). Every class is equally frequent.
///
/// It exists so that every lesson runs offline, telling the same story as MNIST with its own numbers.
public enum SyntheticDigits {
    /// The default seed, so that every offline run trains on the same images.
    public static let defaultSeed: UInt64 = 2017

    /// 55,000 training, 5,000 validation and 10,000 test images (by default), shuffled, each split
    /// holding every digit equally often.
    public static func splits(seed: UInt64 = defaultSeed, train: Int = 55_000, validation: Int = 5_000,
                              test: Int = 10_000) -> DatasetSplits {
        DatasetSplits(name: .synthetic,
                      train: imageSet(count: train, firstIndex: 0, seed: seed),
                      validation: imageSet(count: validation, firstIndex: train, seed: seed),
                      test: imageSet(count: test, firstIndex: train + validation, seed: seed),
                      source: "built-in synthetic digits, seed \(seed)")
    }

    /// `count` images; image i is drawn from its own random stream (seed, firstIndex + i), so the
    /// images can be drawn in parallel and a split never depends on the sizes of the others.
    public static func imageSet(count: Int, firstIndex: Int, seed: UInt64) -> ImageSet {
        // Balanced labels, in a shuffled order.
        var labels = (0..<count).map { UInt8($0 % 10) }
        var order = RandomSource(seed: seed ^ 0x5eed_1abe1 ^ UInt64(firstIndex))
        order.shuffle(&labels)
        let digits = labels
        var pixels = [UInt8](repeating: 0, count: count * 784)
        pixels.withUnsafeMutableBufferPointer { buffer in
            let out = PixelPointer(pointer: buffer.baseAddress!)
            let chunk = 500
            DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { c in
                for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                    var rng = RandomSource(seed: seed ^ (UInt64(firstIndex + i) &* 0x9e37_79b9_7f4a_7c15))
                    draw(digit: Int(digits[i]), into: out.pointer + i * 784, rng: &rng)
                }
            }
        }
        return ImageSet(pixels: pixels, labels: labels, rows: 28, columns: 28)
    }

    // MARK: Strokes

    typealias Point = (x: Float, y: Float)

    /// An elliptical arc in the unit box (x right, y down), from `from` to `to` turns
    /// (0 = right, 0.25 = bottom, 0.5 = left, 0.75 = top).
    static func arc(_ cx: Float, _ cy: Float, _ rx: Float, _ ry: Float, from: Double, to: Double,
                    steps: Int = 10) -> [Point] {
        (0...steps).map { k in
            var turn = from + (to - from) * Double(k) / Double(steps)
            turn -= turn.rounded(.down)
            let (s, c) = PortableMath.sinCosTwoPi(turn)
            return (cx + rx * Float(c), cy + ry * Float(s))
        }
    }

    /// Each digit in one or more styles, each style a few strokes (polylines) in the unit box.
    /// Several styles per class (a 1 with or without its base, an open or closed 4, a 7 with a
    /// crossbar) are what a single template per class cannot cover, as in handwriting.
    static let styles: [[[[Point]]]] = [
        /* 0 */ [[arc(0.5, 0.5, 0.3, 0.42, from: 0, to: 1, steps: 16)],
                 [arc(0.5, 0.5, 0.22, 0.44, from: 0.05, to: 1.12, steps: 16)]],
        /* 1 */ [[[(0.32, 0.26), (0.52, 0.08), (0.52, 0.92)]],
                 [[(0.5, 0.08), (0.5, 0.92)]],
                 [[(0.32, 0.24), (0.52, 0.08), (0.52, 0.92)], [(0.3, 0.92), (0.74, 0.92)]]],
        /* 2 */ [[arc(0.5, 0.32, 0.28, 0.23, from: 0.5, to: 1.06) + [(0.16, 0.9), (0.86, 0.9)]],
                 [arc(0.5, 0.3, 0.26, 0.22, from: 0.45, to: 1.1) + [(0.2, 0.86)] + arc(0.3, 0.8, 0.1, 0.08, from: 0.75, to: 1.5) + [(0.86, 0.88)]]],
        /* 3 */ [[arc(0.48, 0.29, 0.26, 0.2, from: 0.56, to: 1.25), arc(0.48, 0.69, 0.3, 0.22, from: 0.75, to: 1.44)],
                 [[(0.2, 0.1), (0.78, 0.1), (0.45, 0.44)], arc(0.48, 0.68, 0.3, 0.24, from: 0.75, to: 1.44)]],
        /* 4 */ [[[(0.64, 0.08), (0.14, 0.64), (0.86, 0.64)], [(0.64, 0.08), (0.64, 0.92)]],
                 [[(0.26, 0.08), (0.2, 0.56), (0.84, 0.56)], [(0.7, 0.12), (0.66, 0.92)]]],
        /* 5 */ [[[(0.8, 0.1), (0.3, 0.1), (0.26, 0.46)] + arc(0.48, 0.66, 0.3, 0.25, from: 0.62, to: 1.4)],
                 [[(0.3, 0.1), (0.26, 0.46)] + arc(0.48, 0.66, 0.3, 0.25, from: 0.62, to: 1.4), [(0.3, 0.1), (0.82, 0.08)]]],
        /* 6 */ [[[(0.72, 0.08), (0.42, 0.32), (0.25, 0.62)], arc(0.5, 0.68, 0.25, 0.22, from: 0, to: 1, steps: 14)],
                 [arc(0.56, 0.5, 0.3, 0.42, from: 0.72, to: 0.5, steps: 8) + arc(0.5, 0.7, 0.24, 0.2, from: 0.5, to: 1.5, steps: 12)]],
        /* 7 */ [[[(0.14, 0.12), (0.86, 0.12), (0.42, 0.92)]],
                 [[(0.14, 0.12), (0.86, 0.12), (0.42, 0.92)], [(0.36, 0.5), (0.8, 0.5)]],
                 [[(0.16, 0.2), (0.2, 0.12), (0.86, 0.12)] + arc(0.2, 0.9, 0.62, 0.78, from: 0.0, to: -0.18, steps: 6)]],
        /* 8 */ [[arc(0.5, 0.29, 0.21, 0.19, from: 0, to: 1, steps: 12), arc(0.5, 0.7, 0.26, 0.21, from: 0, to: 1, steps: 14)],
                 [arc(0.5, 0.28, 0.2, 0.18, from: 0.25, to: 1.0, steps: 10) + arc(0.5, 0.7, 0.26, 0.22, from: 0.75, to: -0.25, steps: 14)
                    + [(0.66, 0.16)]]],
        /* 9 */ [[arc(0.5, 0.32, 0.25, 0.22, from: 0, to: 1, steps: 14), [(0.75, 0.32), (0.7, 0.92)]],
                 [arc(0.5, 0.3, 0.24, 0.2, from: 0, to: 1, steps: 14), [(0.74, 0.3)] + arc(0.4, 0.6, 0.34, 0.32, from: 0, to: 0.3, steps: 6)]],
    ]

    // MARK: Drawing

    /// Draws one digit into 784 bytes (already zero).
    ///
    /// The variations are calibrated so that the lessons tell MNIST's story offline too (measured in
    /// book/01): a linear model reaches about 0.92 and stays there however long it trains, while a
    /// convolutional network gets far past it. Two of them matter most for that: several styles per
    /// digit, and one image in ten cropped carelessly (shifted by up to 5 pixels instead of 1.5),
    /// which a single template per class cannot follow and a convolution with pooling can.
    static func draw(digit: Int, into image: UnsafeMutablePointer<UInt8>, rng: inout RandomSource) {
        let style = styles[digit][rng.integer(below: styles[digit].count)]
        // A random affine map from the unit box to pixels: size, slant (shear), a small rotation, shift.
        let scaleX = 20 * rng.uniform(0.7, 1.05), scaleY = 20 * rng.uniform(0.85, 1.05)
        let slant = rng.uniform(-0.35, 0.35)
        let angle = rng.uniform(-0.2, 0.2)                     // radians; sin and cos by their series
        let sine = angle - angle * angle * angle / 6, cosine = 1 - angle * angle / 2
        let reach: Float = rng.uniform() < 0.1 ? 5 : 1.5       // off-centre crops, one in ten
        let shiftX = 14 + rng.uniform(-reach, reach), shiftY = 14 + rng.uniform(-reach, reach)
        let halfWidth = rng.uniform(0.6, 1.8)                   // pen radius in pixels
        let ink = rng.uniform(0.7, 1)
        let wobble = rng.uniform(0, 0.05)                      // per-point jitter, in box units
        // A smooth random warp of the whole digit (a wave across the box), like an uneven hand.
        let warp = rng.uniform(0, 0.02), phaseX = Double(rng.uniform()), phaseY = Double(rng.uniform())
        let frequency = Double(rng.uniform(0.5, 1.2))

        var canvas = [Float](repeating: 0, count: 784)
        func toPixels(_ point: Point) -> Point {
            let (wy, _) = PortableMath.sinCosTwoPi(frequency * Double(point.y) + phaseX)
            let (wx, _) = PortableMath.sinCosTwoPi(frequency * Double(point.x) + phaseY)
            let ux = (point.x + warp * Float(wy) + rng.uniform(-wobble, wobble) - 0.5) * scaleX
            let uy = (point.y + warp * Float(wx) + rng.uniform(-wobble, wobble) - 0.5) * scaleY
            let sx = ux - slant * uy
            return (shiftX + cosine * sx - sine * uy, shiftY + sine * sx + cosine * uy)
        }
        for stroke in style {
            var previous: Point?
            for point in stroke {
                let current = toPixels(point)
                if let previous { stamp(from: previous, to: current, halfWidth: halfWidth, ink: ink, canvas: &canvas) }
                previous = current
            }
        }
        // Sometimes a stray pen stroke (a neighbour's digit leaking into the crop, a slip of the pen).
        if rng.uniform() < 0.1 {
            let a: Point = (rng.uniform(0, 28), rng.uniform(0, 28))
            let b: Point = (a.x + rng.uniform(-6, 6), a.y + rng.uniform(-6, 6))
            stamp(from: a, to: b, halfWidth: rng.uniform(0.4, 1.2), ink: rng.uniform(0.3, 0.9), canvas: &canvas)
        }
        // Sensor noise and a few stray specks, then quantize to bytes like MNIST's 0…255.
        let noise = rng.uniform(0, 0.15)
        for _ in 0..<rng.integer(below: 5) {
            let speck = rng.integer(below: 784)
            canvas[speck] = max(canvas[speck], rng.uniform(0.2, 0.8))
        }
        for p in 0..<784 {
            let value = canvas[p] + (rng.uniform() - 0.5) * noise
            image[p] = UInt8(max(0, min(1, value)) * 255 + 0.5)
        }
    }

    /// Ink along the segment a→b with a round pen of radius `halfWidth`, anti-aliased over one pixel.
    static func stamp(from a: Point, to b: Point, halfWidth: Float, ink: Float, canvas: inout [Float]) {
        let reach = halfWidth + 1
        let x0 = max(0, Int((min(a.x, b.x) - reach).rounded(.down)))
        let x1 = min(27, Int((max(a.x, b.x) + reach).rounded(.up)))
        let y0 = max(0, Int((min(a.y, b.y) - reach).rounded(.down)))
        let y1 = min(27, Int((max(a.y, b.y) + reach).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = max(dx * dx + dy * dy, 1e-6)
        for y in y0...y1 {
            for x in x0...x1 {
                // Distance from the pixel's centre to the segment.
                let px = Float(x) + 0.5 - a.x, py = Float(y) + 0.5 - a.y
                let t = max(0, min(1, (px * dx + py * dy) / lengthSquared))
                let ex = px - t * dx, ey = py - t * dy
                let coverage = max(0, min(1, halfWidth + 0.5 - (ex * ex + ey * ey).squareRoot()))
                canvas[y * 28 + x] = max(canvas[y * 28 + x], coverage * ink)
            }
        }
    }
}

/// The pixel buffer, shared by the drawing threads (each writes only its own images).
private struct PixelPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt8>
}

