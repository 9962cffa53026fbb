import Foundation

/// One row of a run's metrics.csv: a training log's numbers at one step.
///
/// `loss` and `accuracy` are that step's batch (what the printed stream shows); `meanLoss` and
/// `meanAccuracy` average the last `TrainingLog.smoothing` batches (the smoothed curve); the
/// evaluations are there only at the steps where the lesson measured them.
public struct MetricsRow: Sendable, Equatable {
    public var series: String
    public var step: Int
    public var loss: Double
    public var accuracy: Double
    public var meanLoss: Double
    public var meanAccuracy: Double
    public var learningRate: Double
    public var validationAccuracy: Double?
    public var testAccuracy: Double?
    /// Accuracy on training images in evaluation mode (dropout off), where measured.
    public var trainingSetAccuracy: Double?
    public var imagesPerSecond: Double
    public var wallSeconds: Double

    public static let header = "series,step,loss,batch_accuracy,mean_loss,mean_batch_accuracy,learning_rate,"
        + "validation_accuracy,test_accuracy,training_set_accuracy,images_per_second,wall_seconds"

    public var csvLine: String {
        let optional = { (x: Double?) in x.map(dataNumber) ?? "" }
        return [csvField(series), String(step), dataNumber(loss), dataNumber(accuracy), dataNumber(meanLoss),
                dataNumber(meanAccuracy), dataNumber(learningRate), optional(validationAccuracy), optional(testAccuracy),
                optional(trainingSetAccuracy), String(format: "%.0f", imagesPerSecond), String(format: "%.3f", wallSeconds),
        ].joined(separator: ",")
    }

    /// Reads a metrics.csv written by a run (for comparing runs, and for tests).
    public static func read(_ path: String) throws -> [MetricsRow] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        guard lines.first == header else {
            throw UsageError(message: "\(path) is not a run's metrics.csv (its first line is not the expected header)")
        }
        return try lines.dropFirst().enumerated().map { lineIndex, line in
            let fields = csvFields(line)
            func number(_ i: Int) -> Double? { Double(fields[i]) }
            guard fields.count == 12, let step = Int(fields[1]), let loss = number(2), let accuracy = number(3),
                  let meanLoss = number(4), let meanAccuracy = number(5), let rate = number(6),
                  let images = number(10), let wall = number(11) else {
                throw UsageError(message: "\(path), line \(lineIndex + 2): expected 12 comma-separated metrics; got '\(line)'")
            }
            return MetricsRow(series: fields[0], step: step, loss: loss, accuracy: accuracy, meanLoss: meanLoss,
                              meanAccuracy: meanAccuracy, learningRate: rate, validationAccuracy: number(7),
                              testAccuracy: number(8), trainingSetAccuracy: number(9), imagesPerSecond: images, wallSeconds: wall)
        }
    }
}

/// A CSV field, quoted when it holds a comma or a quote.
private func csvField(_ text: String) -> String {
    text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}

private func csvFields(_ line: String) -> [String] {
    var fields: [String] = [], field = "", quoted = false
    var characters = line.makeIterator()
    while let c = characters.next() {
        switch (c, quoted) {
        case ("\"", true): quoted = false
        case ("\"", false): if !field.isEmpty { field.append("\"") }; quoted = true
        case (",", false): fields.append(field); field = ""
        default: field.append(c)
        }
    }
    return fields + [field]
}
