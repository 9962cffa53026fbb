import Engine
import Foundation

/// Augmentation is checked against exactly known values: a transform moves numbers without
/// arithmetic, so yours must equal the expected image; test-time augmentation against averaged
/// softmax probabilities in Double. Each is a ladder of cases from simple to hard.
enum Chapter08Checks {
    // MARK: Shift

    static func shift(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        try ladder.rung("window in the centre (no shift)", &rng) { rng throws(GradingFailure) in
            let padding = rng.int(1...3)
            try shiftCase(code, &rng, channels: 1, padding: padding, top: padding, left: padding)
        }
        try ladder.rung("window at the top-left corner (top = left = 0)", &rng) { rng throws(GradingFailure) in
            try shiftCase(code, &rng, channels: 1, padding: rng.int(1...3), top: 0, left: 0)
        }
        try ladder.rung("any window, several channels", &rng) { rng throws(GradingFailure) in
            // top ≠ left, so that swapping them shows, and not both in the centre.
            let padding = rng.int(2...3)
            let top = rng.int(0...(2 * padding))
            var left = rng.int(0...(2 * padding - 1))
            if left >= top { left += 1 }
            try shiftCase(code, &rng, channels: rng.int(2...3), padding: padding, top: top, left: left)
        }
    }

    static func shiftCase(_ code: Implementations, _ rng: inout RandomSource, channels: Int, padding: Int, top: Int,
                          left: Int) throws(GradingFailure) {
        let h = rng.int(4...7)
        var w = rng.int(4...7)
        if w == h { w += 1 }
        let shape = [channels, h, w]
        let x = rng.tensor(shape), xs = x.doubles
        let (down, right) = (padding - top, padding - left)
        func moved(_ rows: Int, _ columns: Int, wrap: Bool = false) -> [Double] {
            Reference.shifted(xs, shape, rowOffset: rows, columnOffset: columns, wrap: wrap)
        }
        var report = CaseReport("Shift", setup: "image \(formatShape(shape)), padding \(padding), window at top \(top), left \(left): "
            + "the image moves \(down) rows down and \(right) columns right")
        let out = try report.call("shift", inputs: [("image", x)]) { code.shift(x, padding, top, left) }
        report.compare("out", yours: out, expected: Expected(shape: shape, values: moved(-down, -right)), kind: .exact,
                       hint: "out[c, i, j] = x[c, top + i − padding, left + j − padding] where that row and column are "
                           + "inside the image, and 0 where they are not.",
                       mistakes: [KnownMistake(description: "you move the image the opposite way (x[c, i + down, j + right])",
                                               values: moved(down, right)),
                                  KnownMistake(description: "pixels wrap around from the other side (a roll) instead of coming in as 0",
                                               values: moved(-down, -right, wrap: true)),
                                  KnownMistake(description: "you crop from the image without its padding (top and left not "
                                               + "reduced by the padding)", values: moved(top, left)),
                                  KnownMistake(description: "you swap top and left (rows and columns)", values: moved(-right, -down))])
        try report.finish()
    }

    // MARK: Horizontal flip

    static func horizontalFlip(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        // Two rows at least: with one, flipping it upside down would change nothing.
        try ladder.rung("one channel, two rows (1, 2, W)", &rng) { rng throws(GradingFailure) in
            try flipCase(code, &rng, shape: [1, 2, rng.int(3...7)])
        }
        try ladder.rung("several channels, H ≠ W", &rng) { rng throws(GradingFailure) in
            let h = rng.int(3...6)
            try flipCase(code, &rng, shape: [rng.int(2...3), h, h + rng.int(1...3)])
        }
    }

    static func flipCase(_ code: Implementations, _ rng: inout RandomSource, shape: [Int]) throws(GradingFailure) {
        let x = rng.tensor(shape), xs = x.doubles, w = shape[2]
        var report = CaseReport("Horizontal flip", setup: "image \(formatShape(shape))")
        let out = try report.call("flip", inputs: [("image", x)]) { code.horizontalFlip(x) }
        let offByOne = (0..<xs.count).map { index in xs[index - index % w + (w - index % w) % w] }
        report.compare("out", yours: out, expected: Expected(shape: shape,
                                                             values: Reference.flipped(xs, shape, horizontal: true, vertical: false)),
                       kind: .exact, hint: "out[c, i, j] = x[c, i, W − 1 − j]: the columns in reverse order, rows and channels as they were.",
                       mistakes: [KnownMistake(description: "you flip it upside down (rows reversed) instead of left–right",
                                               values: Reference.flipped(xs, shape, horizontal: false, vertical: true)),
                                  KnownMistake(description: "you reverse rows and columns both (a 180° rotation)",
                                               values: Reference.flipped(xs, shape, horizontal: true, vertical: true)),
                                  KnownMistake(description: "the image is unchanged: an in-place swap that runs over the whole "
                                               + "row swaps every pair twice", values: xs),
                                  KnownMistake(description: "you read column W − j (wrapped), one off from W − 1 − j", values: offByOne)])
        try report.finish()
    }

    // MARK: Test-time augmentation

    static func testTimeAugmentation(_ code: Implementations, _ rng: inout RandomSource) throws(GradingFailure) {
        var ladder = Ladder()
        try ladder.rung("one copy (K = 1): a plain softmax", &rng) { rng throws(GradingFailure) in
            try ttaCase(code, &rng, copies: 1, large: false)
        }
        try ladder.rung("several copies (K from 2 to 5)", &rng) { rng throws(GradingFailure) in
            try ttaCase(code, &rng, copies: rng.int(2...5), large: false)
        }
        try ladder.rung("several copies with logits of 100 and more", &rng) { rng throws(GradingFailure) in
            try ttaCase(code, &rng, copies: rng.int(2...4), large: true)
        }
    }

    /// N ≠ K, so dividing by the wrong one shows; with `large`, one copy has a row with a logit
    /// 100 above its others, and another copy a row shifted by 100 as a whole: exp overflows
    /// Float unless each row's maximum is subtracted.
    static func ttaCase(_ code: Implementations, _ rng: inout RandomSource, copies: Int, large: Bool) throws(GradingFailure) {
        var n = rng.int(2...5)
        if n == copies { n += 1 }
        let classes = rng.int(3...10)
        var logits = (0..<copies).map { _ in rng.tensor([n, classes], scale: 2) }
        var setup = "\(copies) cop\(copies == 1 ? "y" : "ies") of logits \(formatShape([n, classes])) ~ N(0, 2²)"
        if large {
            let (row, column) = (rng.integer(below: n), rng.integer(below: classes))
            logits[0][row, column] += 100
            let shiftedRow = rng.integer(below: n)
            for c in 0..<classes { logits[1][shiftedRow, c] += 100 }
            setup += ", 100 added to logit [\(row), \(column)] of copy 0 and to all of row \(shiftedRow) of copy 1"
        }
        var report = CaseReport("Test-time augmentation", setup: setup)
        let z = logits.map(\.doubles), k = Double(copies)
        func mean(_ rows: [[Double]]) -> [Double] { (0..<(n * classes)).map { i in rows.reduce(0) { $0 + $1[i] } / k } }
        let probabilities = z.map { Reference.softmaxRows($0, classes: classes) }
        let expected = mean(probabilities)
        // The softmax taken down each column (over the batch) instead of along each row.
        let overBatch = z.map { copy in
            let columns = Reference.softmaxRows((0..<(n * classes)).map { copy[($0 % n) * classes + $0 / n] }, classes: n)
            return (0..<(n * classes)).map { columns[($0 % classes) * n + $0 / classes] }
        }
        let votes = z.map { copy in
            (0..<(n * classes)).map { i in
                let row = copy[(i / classes * classes)..<((i / classes + 1) * classes)]
                return row.firstIndex(of: row.max()!)! == i ? 1.0 : 0
            }
        }
        let out = try report.call("averaging", inputs: logits.enumerated().map { ("logits[\($0.offset)]", $0.element) }) {
            code.testTimeAugmentation(logits)
        }
        report.compare("out (averaged probabilities)", yours: out, expected: Expected(shape: [n, classes], values: expected),
                       kind: .exact, hint: "out[n, ·] = (1/K) Σₖ softmax(logits[k][n, ·]): softmax every copy's row (its maximum "
                           + "subtracted first), then average over the K copies.",
                       mistakes: [KnownMistake(description: "you average the logits and then take one softmax; average the "
                                               + "probabilities instead", values: Reference.softmaxRows(mean(z), classes: classes)),
                                  KnownMistake(description: "you add the copies' probabilities up without dividing by K",
                                               values: expected.map { $0 * k }),
                                  KnownMistake(description: "you divide by N (the number of images) instead of K (the copies)",
                                               values: expected.map { $0 * k / Double(n) }),
                                  KnownMistake(description: "you take the softmax over the batch (each column) instead of over "
                                               + "the classes (each row)", values: mean(overBatch)),
                                  KnownMistake(description: "you average the copies' votes (one-hot argmax), not their probabilities",
                                               values: mean(votes))])
        if out.shape == [n, classes], out.isFinite {
            let sums = (0..<n).map { row in (0..<classes).reduce(0.0) { $0 + Double(out[row, $1]) } }
            if let row = sums.firstIndex(where: { abs($0 - 1) > 1e-4 }) {
                report.fail("distribution", summary: "row \(row) of your result sums to \(formatNumber(sums[row])), not 1 "
                                + "(within 1e-4)", hint: "each copy's softmax sums to 1, and so does their mean; check the 1/K.")
            } else if let index = out.scalars.firstIndex(where: { $0 < 0 || $0 > 1 }) {
                report.fail("distribution", summary: "entry \(formatIndex(index, [n, classes])) of your result is "
                                + "\(formatNumber(Double(out.scalars[index]))), outside [0, 1]",
                            hint: "probabilities come out of exp(·)/Σ exp(·), which is never negative.")
            } else {
                report.pass("every row a probability distribution (entries in [0, 1], sums within 1e-4 of 1)")
            }
        }
        try report.finish()
    }
}
