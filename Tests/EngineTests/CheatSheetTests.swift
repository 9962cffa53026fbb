import Foundation
import Testing
import Engine   // not @testable: the cheat sheet shows only what an exercise can use

/// Every snippet of book/tensor-cheatsheet.md, run as written, followed by checks of what its
/// comments claim. `sheetAndTestsAgree` fails when a snippet on the page is not in this file.
@Suite("Tensor cheat sheet")
struct CheatSheetTests {
    @Test func creating() {
        let zeros = Tensor(zeros: [2, 3])                                 // shape [2, 3], every element 0
        let ones = Tensor(repeating: 1, shape: [4])
        let given = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])    // row by row: given[1, 0] is 4
        let scalar = Tensor(shape: [], scalars: [2.5])                    // no dimensions, one element
        let likeGiven = Tensor(zeros: given.shape)                        // "zeros like given"
        var rng = RandomSource(seed: 1)
        let noise = Tensor(normal: [2, 3], standardDeviation: 0.1, rng: &rng)
        let draw = rng.normal()                                           // one N(0, 1) draw, a Float
        var copy = given                                                  // a value: a copy of given
        copy[0, 0] = 100                                                  // given[0, 0] is still 1

        #expect(zeros.shape == [2, 3] && zeros.scalars.allSatisfy { $0 == 0 })
        #expect(ones.scalars == [1, 1, 1, 1])
        #expect(given[1, 0] == 4)
        #expect(scalar.shape == [] && scalar.count == 1 && scalar.rank == 0)
        #expect(likeGiven == Tensor(zeros: [2, 3]))
        #expect(noise.shape == [2, 3] && Set(noise.scalars).count == 6)
        #expect(draw.isFinite && type(of: draw) == Float.self)
        #expect(given[0, 0] == 1 && copy[0, 0] == 100)
    }

    @Test func shapes() {
        let x = Tensor(zeros: [2, 3, 4, 5])
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])   // x.shape is an [Int]
        let elements = x.count                                            // 120 = n·c·h·w
        let dimensions = x.rank                                           // 4 = x.shape.count
        let rows = x.reshaped([n, c * h * w])                             // the same 120 elements, shape [2, 60]
        let isImageBatch = x.shape == [2, 3, 4, 5]                        // compare shapes as arrays

        #expect(elements == 120 && elements == n * c * h * w)
        #expect(dimensions == 4)
        #expect(rows.shape == [2, 60] && rows.scalars == x.scalars)
        #expect(isImageBatch)
    }

    @Test func oneElement() {
        var m = Tensor(zeros: [2, 3])
        m[1, 2] = 5                                       // row 1, column 2
        m[1, 2] += 1                                      // 6
        let v = m[1, 2]
        var images = Tensor(zeros: [1, 1, 28, 28])
        images[0, 0, 27, 27] = 1                          // image n, channel c, row h, column w
        let sameElement = images.scalars[27 * 28 + 27]    // flat position ((n·C + c)·H + h)·W + w

        #expect(v == 6 && m.scalars[1 * 3 + 2] == 6)
        #expect(sameElement == 1 && images.sum() == 1)
    }

    @Test func flatLoops() {
        let x = Tensor(shape: [2, 2], scalars: [-1, 2, -3, 4])
        let dout = Tensor(shape: [2, 2], scalars: [10, 20, 30, 40])
        var out = x                                       // same shape; write into the copy
        for i in out.indices {                            // 0..<out.count, the flat positions
            out.scalars[i] = max(0, x.scalars[i])
        }
        var dx = Tensor(zeros: x.shape)
        for i in 0..<x.count where x.scalars[i] > 0 {
            dx.scalars[i] = dout.scalars[i]
        }
        let mapped = Tensor(shape: x.shape, scalars: x.scalars.map { max(0, $0) })

        #expect(out == Tensor(shape: [2, 2], scalars: [0, 2, 0, 4]))
        #expect(x.scalars == [-1, 2, -3, 4])              // writing to the copy left x alone
        #expect(dx.scalars == [0, 20, 0, 40])
        #expect(mapped == out)
    }

    @Test func coordinateLoops() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let (rows, columns) = (x.shape[0], x.shape[1])
        var columnSums = Tensor(zeros: [columns])
        for i in 0..<rows {
            for j in 0..<columns {
                columnSums[j] += x[i, j]
            }
        }

        #expect(columnSums.scalars == [5, 7, 9])
    }

    @Test func floatsAndDoubles() {
        let x = Tensor(shape: [3], scalars: [0.5, -1, 2])
        let half: Float = 0.5
        let gelu0 = x[0] * half * (1 + erf(x[0] / Float(2).squareRoot()))
        var total = 0.0                                   // a Double
        for i in 0..<x.count { total += Double(x.scalars[i]) }
        let mean = Float(total) / Float(x.count)

        #expect(abs(Double(gelu0) - 0.5 * 0.5 * (1 + erf(0.5 / 2.0.squareRoot()))) < 1e-6)
        #expect(type(of: total) == Double.self && total == 1.5)
        #expect(mean == 0.5)
    }

    @Test func wholeTensorHelpers() {
        var a = Tensor(repeating: 1, shape: [3])
        let b = Tensor(shape: [3], scalars: [1, 2, 3])
        a.add(b, scaledBy: -0.5)                          // a += −0.5·b, element by element
        let doubled = 2 * b                               // a Float times a Tensor
        let total = b.sum()                               // 6, added up in Double
        let (mean, std) = b.meanAndStandardDeviation()
        let winners = Tensor(shape: [2, 3], scalars: [0, 3, 1, 9, -1, 2]).argmaxRows()   // [1, 0]
        let allFinite = b.isFinite                        // no NaN, no infinity
        a.zero()                                          // every element 0, same shape
        let equal = b == Tensor(shape: [3], scalars: [1, 2, 3])   // exact: shape and every element
        print(b)                                          // Tensor(shape: [3], [1, 2, 3])

        var c = Tensor(repeating: 1, shape: [3])
        c.add(b, scaledBy: -0.5)
        #expect(c.scalars == [0.5, 0, -0.5])
        #expect(doubled.scalars == [2, 4, 6])
        #expect(total == 6)
        #expect(mean == 2 && abs(std - (2.0 / 3.0).squareRoot()) < 1e-6)
        #expect(winners == [1, 0])
        #expect(allFinite && !Tensor(shape: [1], scalars: [.nan]).isFinite)
        #expect(a == Tensor(zeros: [3]))
        #expect(equal && b != Tensor(shape: [1, 3], scalars: [1, 2, 3]))
        #expect(b.description == "Tensor(shape: [3], [1, 2, 3])")
    }

    @Test func rawBuffers() {
        let x = Tensor(shape: [2, 2], scalars: [-1, 2, -3, 4])
        var out = Tensor(zeros: x.shape)
        x.scalars.withUnsafeBufferPointer { input in
            out.scalars.withUnsafeMutableBufferPointer { output in
                for i in 0..<input.count { output[i] = max(0, input[i]) }
            }
        }

        #expect(out.scalars == [0, 2, 0, 4])
        // "`var out = x` followed by a write to `out` is safe: the write copies."
        var copy = x
        copy.scalars.withUnsafeMutableBufferPointer { $0[0] = 7 }
        #expect(x.scalars[0] == -1 && copy.scalars[0] == 7)
    }

    /// The two messages the sheet quotes, as a program that makes the mistake prints them.
    @Test func flatIndexOnTwoDimensionsNamesTheFix() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var out = Tensor(zeros: [2, 3])
            for i in out.indices { out[i] = 1 }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("Tensor index [0] has 1 components; the shape [2, 3] has 2"), "\(message)")
        #expect(message.contains("write .scalars[0]"), "\(message)")
    }

    @Test func outOfBoundsMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var m = Tensor(zeros: [2, 3])
            m[2, 3] = 1
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("Tensor index [2, 3] is out of bounds for shape [2, 3]"), "\(message)")
    }

    @Test func wrongElementCountMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(shape: [2, 3], scalars: [0])
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("the shape holds 6 elements but 1 were given"), "\(message)")
    }

    /// Every ```swift block of the sheet appears, line for line (indentation aside), in this file.
    @Test func sheetAndTestsAgree() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sheet = try String(contentsOf: root.appendingPathComponent("book/tensor-cheatsheet.md"), encoding: .utf8)
        let tests = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        func trimmed(_ text: Substring) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let testLines = trimmed(Substring(tests))
        let blocks = sheet.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        #expect(blocks.count == 8)
        for block in blocks {
            let lines = trimmed(Substring(block))
            let found = testLines.indices.contains { start in
                start + lines.count <= testLines.count && Array(testLines[start..<(start + lines.count)]) == lines
            }
            #expect(found, "this snippet of book/tensor-cheatsheet.md is not in CheatSheetTests.swift:\n\(block)")
        }
    }
}
