/// Images drawn with characters, for looking at them in a terminal: `perLine` images side by side,
/// one character per pixel across and one per two pixels down (a character is about twice as
/// tall as it is wide, so the digits keep their shape). Shades " ░▒▓█" from 0 (background) to 1 (ink).
public func textImages(_ images: [GrayscaleImage], perLine: Int, gap: Int = 2) -> String {
    guard let first = images.first else { return "" }
    let shades = Array(" ░▒▓█")
    var lines: [String] = []
    for start in stride(from: 0, to: images.count, by: max(1, perLine)) {
        let group = images[start..<min(start + max(1, perLine), images.count)]
        var block: [String] = []
        for row in stride(from: 0, to: first.rows, by: 2) {
            let parts = group.map { image in
                String((0..<image.columns).map { column in
                    let ink = (image.pixel(row, column) + image.pixel(row + 1, column)) / 2   // two pixels, one character
                    return shades[min(shades.count - 1, max(0, Int(ink * Float(shades.count - 1) + 0.5)))]
                })
            }
            let line = parts.joined(separator: String(repeating: " ", count: gap))
            block.append(String(line.reversed().drop { $0 == " " }.reversed()))
        }
        // Blank lines above and below the ink of the whole line of images say nothing: leave them out.
        lines += block.drop { $0.isEmpty }.reversed().drop { $0.isEmpty }.reversed() + [""]
    }
    return lines.dropLast().joined(separator: "\n")
}
