// `swift run predict IMAGE [--model PATH]`: what a saved lesson-04 network says about a picture of
// one handwritten digit (PNG or PGM). The picture is prepared as MNIST was made; the 28×28 the
// network saw is printed after the answer. Without --model: the latest `--save` of lesson 04.
import Engine
import Foundation

let program = "predict"
let lesson = "lesson04-convolutions"
let usage = """
    Says which digit a picture shows, with a network saved by lesson 04.

    Usage: swift run predict IMAGE [--model PATH]

      IMAGE         a PNG (not interlaced) or PGM picture of one digit, dark on light or light on dark
      --model PATH  a model saved with `swift run \(lesson) --save PATH`
                    (default: the latest one saved, recorded in \(LessonCheckpoints.latestRecord(program: lesson)))
      --help        show this help
    """

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
    exit(status)
}

// The command line: one image, optionally --model PATH.
var imagePath: String?, modelPath: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--help", "-h": print(usage); exit(0)
    case "--model":
        guard let value = arguments.popFirst() else { fail("--model needs a file name\n\n\(usage)", status: 2) }
        modelPath = value
    case _ where argument.hasPrefix("--model="): modelPath = String(argument.dropFirst("--model=".count))
    case _ where argument.hasPrefix("-"): fail("unknown option '\(argument)'\n\n\(usage)", status: 2)
    default:
        guard imagePath == nil else { fail("give one image; got '\(imagePath!)' and '\(argument)'\n\n\(usage)", status: 2) }
        imagePath = argument
    }
}
guard let imagePath else { fail("which image? Give the path of a PNG or PGM picture of a digit\n\n\(usage)", status: 2) }

// The network.
guard let modelPath = modelPath ?? LessonCheckpoints.latestModel(program: lesson) else {
    fail("no saved model yet: train one with `swift run \(lesson) --save model.safetensors` "
        + "(then predict uses it), or pass --model PATH", status: 1)
}
let file: SafetensorsFile
do { file = try SafetensorsFile.read(from: modelPath) } catch { fail("--model \(error)", status: 1) }
let architecture = file.metadata["model"] ?? "tutorial"
let model: Sequential
switch architecture {
case "tutorial": model = Models.tutorialCNN(seed: 0)
case "simplecnn": model = Models.simpleCNN(seed: 0)
default: fail("--model \(modelPath) holds a '\(architecture)' model; predict knows lesson 04's tutorial and simplecnn", status: 1)
}
do { try Checkpoint.loadWeights(file, into: model) } catch { fail("--model \(modelPath): \(error)", status: 1) }

// The picture, as the network expects it.
let field: [Float]
do { field = try DigitPreparation.mnistStyle(try ImageFile.read(from: imagePath)) } catch { fail("\(error)", status: 1) }
let logits = model.forward(Tensor(shape: [1, 784], scalars: field), mode: .evaluation).scalars
let largest = logits.max()!
let exponentials = logits.map { exp($0 - largest) }
let probabilities = exponentials.map { $0 / exponentials.reduce(0, +) }
let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }

print("prediction: \(ranked[0]) (probability \(probabilities[ranked[0]].formatted(places: 3)))")
print("top 3: " + ranked.prefix(3).map { "\($0) \(probabilities[$0].formatted(places: 3))" }.joined(separator: ", "))
let accuracy = file.metadata["test_accuracy"].map { ", test accuracy \($0)" } ?? ""
print("model: \(modelPath) (\(architecture), step \(file.metadata["step"] ?? "?")\(accuracy))")
print("what the network saw (28×28, as MNIST was made):")
print(DigitPreparation.render(field))
