import Foundation

/// What every lesson does before training: apply `--threads`, load the dataset, and say where
/// it came from. On a data error it prints the message (which names the file and what was
/// wrong) and exits with code 1: never a stack trace.
public func loadLessonData(_ options: LessonOptions) -> DatasetSplits {
    Threads.count = options.threads
    do {
        let data = try Datasets.load(options.dataset, directory: options.dataDirectory, mirror: options.mirror) {
            FileHandle.standardError.write(Data("\($0)\n".utf8))
        }
        print("\(data.name.rawValue): \(data.train.count) training, \(data.validation.count) validation, "
            + "\(data.test.count) test images (\(data.source))")
        return data
    } catch {
        FileHandle.standardError.write(Data("\(options.program): \(error)\n".utf8))
        exit(1)
    }
}
