// The two inner loops of the geometric augmentations (Sources/Engine/Data/Augmentation.swift):
// bilinear sampling of an image at arbitrary points (rotation, scaling, elastic distortion) and the
// separable Gaussian blur that smooths an elastic displacement field. One image at a time: the
// batch is split across images by the caller, never inside an image.

/// out[i] = the image, read between pixels by bilinear interpolation, at (x[i], y[i]).
///
/// (x, y) is a column and row position; (3, 5) is exactly pixel [5][3], and (3.25, 5) is
/// 0.75·[5][3] + 0.25·[5][4]. Outside the image the value is 0 (the background of MNIST), so a
/// point half a pixel off the edge gets half the edge pixel.
/// `image` is rows × columns, row-major; `x`, `y` and `out` have `count` elements.
public func sampleBilinear(_ image: UnsafePointer<Float>, rows: Int, columns: Int,
                           x: UnsafePointer<Float>, y: UnsafePointer<Float>,
                           into out: UnsafeMutablePointer<Float>, count: Int) {
    @inline(__always) func pixel(_ row: Int, _ column: Int) -> Float {
        row >= 0 && row < rows && column >= 0 && column < columns ? image[row * columns + column] : 0
    }
    for i in 0..<count {
        let column0 = x[i].rounded(.down), row0 = y[i].rounded(.down)
        let fx = x[i] - column0, fy = y[i] - row0           // in [0, 1): how far toward the next pixel
        // Far outside the image (or NaN) Int(...) would trap; any point a pixel beyond the edge reads 0.
        guard column0 > -2, column0 < Float(columns + 1), row0 > -2, row0 < Float(rows + 1) else {
            out[i] = 0
            continue
        }
        let c = Int(column0), r = Int(row0)
        let top = pixel(r, c) + fx * (pixel(r, c + 1) - pixel(r, c))
        let bottom = pixel(r + 1, c) + fx * (pixel(r + 1, c + 1) - pixel(r + 1, c))
        out[i] = top + fy * (bottom - top)
    }
}

/// The weights of a Gaussian of standard deviation `sigma`, cut at 3σ and summing to 1:
/// 2·radius + 1 of them, radius = ⌈3σ⌉.
public func gaussianKernel(sigma: Float) -> [Float] {
    let radius = max(1, Int((3 * sigma).rounded(.up)))
    let weights = (-radius...radius).map { d in PortableMath.exp(-Double(d * d) / (2 * Double(sigma * sigma))) }
    let total = weights.reduce(0, +)
    return weights.map { Float($0 / total) }
}

/// Blurs `field` (rows × columns) in place with the separable Gaussian `kernel` (from
/// `gaussianKernel`): first along every row, then along every column. Outside the field the
/// values are taken as 0. `scratch` holds at least (rows + 2·radius)·(columns + 2·radius) floats.
public func gaussianBlur(_ field: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                         kernel: [Float], scratch: UnsafeMutablePointer<Float>) {
    let radius = kernel.count / 2
    kernel.withUnsafeBufferPointer { k in
        // Rows: copy each row into a zero-padded line, then out[x] = Σ_j k[j]·line[x + j].
        let line = scratch
        line.initialize(repeating: 0, count: columns + 2 * radius)
        for row in 0..<rows {
            let values = field + row * columns
            (line + radius).update(from: values, count: columns)
            blurLine(line, kernel: k, into: values, count: columns, stride: 1)
        }
        // Columns: the same, reading a padded copy of each column.
        line.initialize(repeating: 0, count: rows + 2 * radius)
        for column in 0..<columns {
            for row in 0..<rows { line[radius + row] = field[row * columns + column] }
            blurLine(line, kernel: k, into: field + column, count: rows, stride: columns)
        }
    }
}

/// out[i·stride] = Σ_j kernel[j] · line[i + j] for i in 0..<count, four outputs at a time.
@inline(__always)
private func blurLine(_ line: UnsafePointer<Float>, kernel: UnsafeBufferPointer<Float>,
                      into out: UnsafeMutablePointer<Float>, count: Int, stride: Int) {
    var i = 0
    while i + 4 <= count {
        var sum = SIMD4<Float>(repeating: 0)
        for j in 0..<kernel.count {
            let window = UnsafeRawPointer(line + i + j).loadUnaligned(as: SIMD4<Float>.self)
            #if ENGINE_FMA
            sum.addProduct(SIMD4(repeating: kernel[j]), window)
            #else
            sum += kernel[j] * window
            #endif
        }
        for lane in 0..<4 { out[(i + lane) * stride] = sum[lane] }
        i += 4
    }
    while i < count {
        var sum: Float = 0
        for j in 0..<kernel.count { sum += kernel[j] * line[i + j] }
        out[i * stride] = sum
        i += 1
    }
}

extension PortableMath {
    /// e^x for x ≤ 0 with + − × ÷ only (the same bits on every platform, like `log` in Random.swift):
    /// e^x = (e^(x/1024))^1024, the small power by its Taylor series, then squared ten times.
    static func exp(_ x: Double) -> Double {
        guard x <= 0, x.isFinite else { fatalError("PortableMath.exp: expects a finite x ≤ 0, got \(x)") }
        let small = x / 1024
        var term = 1.0, sum = 1.0
        for k in 1...8 {
            term *= small / Double(k)
            sum += term
        }
        for _ in 0..<10 { sum *= sum }
        return sum
    }
}
