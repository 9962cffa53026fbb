import Foundation
import Testing
@testable import Engine

/// A new empty folder in the temporary directory (the test removes it).
func temporaryFolder(_ prefix: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// `swift run predict`, run as a learner runs it, on small generated PNGs.
@Suite("Predict command")
struct PredictTests {
    let folder = temporaryFolder("predict")
    var cache: String { folder.appendingPathComponent("cache").path }

    func run(_ arguments: [String]) throws -> ProcessResult {
        try runProduct("predict", arguments, environment: [Datasets.cacheVariable: cache])
    }

    /// A 60×40 RGB photo-like PNG: a dark "7" (a bar and a stroke) on off-white paper.
    func sevenPNG() -> [UInt8] {
        let rows: [[UInt8]] = (0..<60).map { y in
            (0..<40).flatMap { x -> [UInt8] in
                let ink = (y >= 10 && y < 14 && x >= 8 && x < 32) || (y >= 14 && y < 50 && abs(x - (31 - (y - 14) / 3)) < 2)
                let v: UInt8 = ink ? 30 : 235
                return [v, v, v &+ 10]
            }
        }
        return TestPNG.encode(width: 40, height: 60, color: 2, depth: 8, rows: rows, filter: 4, bytesPerPixel: 3)
    }

    func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = folder.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test func printsThePredictionTopThreeAndWhatTheNetworkSaw() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = Models.tutorialCNN(seed: 5)
        let modelPath = folder.appendingPathComponent("m.safetensors").path
        try Checkpoint.file(model: model, step: 3, metadata: ["model": "tutorial"]).write(to: modelPath)
        let image = write(sevenPNG(), "seven.png")
        let result = try run([image, "--model", modelPath])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        // The same model and preparation in-process give the same answer.
        let field = try DigitPreparation.mnistStyle(try ImageFile.read(from: image))
        let logits = model.forward(Tensor(shape: [1, 784], scalars: field), mode: .evaluation).scalars
        let best = logits.indices.max { logits[$0] < logits[$1] }!
        #expect(lines[0].hasPrefix("prediction: \(best) (probability 0."))
        #expect(lines[1].hasPrefix("top 3: \(best) "))
        #expect(lines[2] == "model: \(modelPath) (tutorial, step 3)")
        #expect(Array(lines[4..<32]) == DigitPreparation.render(field).split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    @Test func badImagesAndMissingModelsGetOneLine() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let modelPath = folder.appendingPathComponent("m.safetensors").path
        try Checkpoint.file(model: Models.tutorialCNN(seed: 5), step: 3, metadata: ["model": "tutorial"]).write(to: modelPath)
        let seven = sevenPNG()
        let white = TestPNG.encode(width: 8, height: 8, color: 0, depth: 8, rows: Array(repeating: Array(repeating: 255, count: 8), count: 8))
        let cases: [(String, Int32, String)] = [
            (write(Array("just text".utf8), "notes.png"), 1, "notes.png: not a PNG or PGM image"),
            (write(Array(seven.prefix(500)), "cut.png"), 1, "cut.png: truncated PNG: the IDAT chunk claims 7271 bytes but the file ends first"),
            (write(white, "white.png"), 1, "no digit found: the image is blank"),
            (write(TestPNG.encode(width: 30_000, height: 2, color: 0, depth: 8, rows: []), "wide.png"), 1,
             "wide.png: the image is 30000×2 pixels, more than this reader takes"),
            (folder.appendingPathComponent("absent.png").path, 1, "absent.png does not exist"),
        ]
        for (path, status, message) in cases {
            let result = try run([path, "--model", modelPath])
            #expect(result.status == status && result.standardError.contains(message) && result.standardError.split(separator: "\n").count == 1,
                    "\(result.standardError)")
        }
        let noModel = try run([write(seven, "seven.png")])
        #expect(noModel.status == 1 && noModel.standardError == "predict: no saved model yet: train one with "
            + "`swift run lesson04-convolutions --save model.safetensors` (then predict uses it), or pass --model PATH\n")
        let notAModel = try run([write(seven, "seven.png"), "--model", write(seven, "seven2.png")])
        #expect(notAModel.status == 1 && notAModel.standardError.hasPrefix("predict: --model \(folder.path)/seven2.png: not a safetensors file"))
        let noImage = try run(["--model", modelPath])
        #expect(noImage.status == 2 && noImage.standardError.hasPrefix("predict: which image?"))
        let twoImages = try run(["a.png", "b.png"])
        #expect(twoImages.status == 2 && twoImages.standardError.hasPrefix("predict: give one image; got 'a.png' and 'b.png'"))
    }
}
