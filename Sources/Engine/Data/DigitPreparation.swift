/// Turns a picture of one handwritten digit into what the networks were trained on, the way MNIST
/// itself was made (LeCun et al.): light ink on a dark background, the digit's bounding box scaled
/// to fit 20×20 keeping its aspect ratio, then placed in a 28×28 field so that its centre of mass
/// is at the centre.
public enum DigitPreparation {
    /// 784 values, 0 (background) … 1 (ink), row-major: one MNIST-style image.
    public static func mnistStyle(_ image: GreyImage) throws(ImageError) -> [Float] {
        let (width, height) = (image.width, image.height)
        // 1. Ink as high values. A border mostly light means dark ink on light paper: invert it.
        var border: [Float] = []
        for x in 0..<width { border += [image.pixels[x], image.pixels[(height - 1) * width + x]] }
        for y in 0..<height { border += [image.pixels[y * width], image.pixels[y * width + width - 1]] }
        let lightPaper = border.reduce(0, +) / Float(border.count) > 0.5
        var ink = lightPaper ? image.pixels.map { 1 - $0 } : image.pixels

        // 2. Paper to 0, the darkest stroke to 1: the median is the paper (a digit covers far less than
        //    half a page), and what is within a fifth of it is taken for paper (shadows, grain).
        let background = ink.sorted()[ink.count / 2], peak = ink.max()!
        guard peak - background >= 0.15 else {
            throw ImageError("no digit found: the image is blank (every pixel within \((peak - background).formatted(places: 2)) "
                + "of the \(lightPaper ? "paper" : "background")); draw a dark digit on light paper, or a light one on dark")
        }
        ink = ink.map { max(0, ($0 - background) / (peak - background) - 0.2) / 0.8 }

        // 3. Scaled so the bounding box of the strokes (ink above one half: MNIST's source images were
        //    black and white) has its longer side 20 pixels. The resampled region reaches a few pixels
        //    further, to keep the strokes' soft edges.
        var (left, right, top, bottom) = (width, -1, height, -1)
        for y in 0..<height {
            for x in 0..<width where ink[y * width + x] > 0.5 {
                (left, right, top, bottom) = (min(left, x), max(right, x), min(top, y), max(bottom, y))
            }
        }
        let scale = 20 / Double(max(right - left + 1, bottom - top + 1))
        let margin = Int((3 / scale).rounded(.up))
        (left, right, top, bottom) = (max(0, left - margin), min(width - 1, right + margin), max(0, top - margin), min(height - 1, bottom + margin))
        let boxWidth = right - left + 1, boxHeight = bottom - top + 1
        let outWidth = max(1, Int((Double(boxWidth) * scale).rounded())), outHeight = max(1, Int((Double(boxHeight) * scale).rounded()))
        let columns = coverage(from: left, count: boxWidth, to: outWidth), rows = coverage(from: top, count: boxHeight, to: outHeight)
        var digit = [Float](repeating: 0, count: outWidth * outHeight)
        for (oy, rowWeights) in rows.enumerated() {          // each output pixel: the area-weighted mean it covers
            for (ox, columnWeights) in columns.enumerated() {
                var sum: Float = 0, total: Float = 0
                for (y, wy) in rowWeights {
                    for (x, wx) in columnWeights { sum += wy * wx * ink[y * width + x]; total += wy * wx }
                }
                digit[oy * outWidth + ox] = sum / total
            }
        }

        // 4. Into 28×28, the centre of mass moved to pixel (14, 14), counting from 0, where MNIST's are
        //    (measured: the mean over its first 1,000 test digits is (14.01, 13.99)).
        var mass: Float = 0, cx: Float = 0, cy: Float = 0
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let m = digit[y * outWidth + x]
                mass += m; cx += m * Float(x); cy += m * Float(y)
            }
        }
        let dx = Int((14 - cx / mass).rounded()), dy = Int((14 - cy / mass).rounded())
        var field = [Float](repeating: 0, count: 784)
        for y in 0..<outHeight {
            for x in 0..<outWidth where (0..<28).contains(x + dx) && (0..<28).contains(y + dy) {
                field[(y + dy) * 28 + x + dx] = min(1, digit[y * outWidth + x])
            }
        }
        return field
    }

    /// For each of `outputs` equal cells spanning source pixels first..<first+count: the source
    /// pixels it overlaps and by how much (1-D area resampling; works for shrinking and enlarging).
    static func coverage(from first: Int, count: Int, to outputs: Int) -> [[(Int, Float)]] {
        let step = Double(count) / Double(outputs)
        return (0..<outputs).map { o in
            let start = Double(o) * step, end = Double(o + 1) * step
            return (Int(start)..<min(count, Int(end.rounded(.up)))).compactMap { i in
                let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                return overlap > 1e-9 ? (first + i, Float(overlap)) : nil
            }
        }
    }

    /// The 28×28 image as text, two characters per pixel, darker characters for more ink.
    public static func render(_ field: [Float]) -> String {
        let shades = Array(" .:-=+*#%@")
        return (0..<28).map { y in
            String((0..<28).flatMap { x -> [Character] in
                let c = shades[min(shades.count - 1, Int(field[y * 28 + x] * Float(shades.count - 1) + 0.5))]
                return [c, c]
            })
        }.joined(separator: "\n")
    }
}
