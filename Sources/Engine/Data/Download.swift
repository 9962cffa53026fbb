import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking   // URLSession on Linux
#endif

/// Downloads one file over HTTP(S) into a temporary file, showing progress. Nothing here decides
/// *what* to download or where it finally goes: `DatasetCache` verifies and moves the file into place.
enum Downloader {
    /// Why a download failed, in words for the learner.
    struct Failure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// Fetches `url` into `destination` (created or truncated). Throws on any network or HTTP error,
    /// or when fewer bytes arrive than the server announced. `progress` draws the bar or plain lines.
    static func fetch(_ url: URL, to destination: String, progress: DownloadProgress,
                      idleTimeout: TimeInterval = 30) throws(Failure) {
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let handle = FileHandle(forWritingAtPath: destination) else {
            throw Failure(reason: "cannot write \(destination)")
        }
        defer { try? handle.close() }

        let delegate = TransferDelegate(file: handle)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = 3600
        configuration.urlCache = nil
        configuration.httpAdditionalHeaders = ["User-Agent": "deep-learning-from-scratch (Swift)"]
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: url).resume()

        // Wait on this thread, redrawing the progress from the counters the delegate keeps.
        while delegate.done.wait(timeout: .now() + 0.1) == .timedOut {
            let (received, expected) = delegate.counts
            progress.update(received: received, expected: expected)
        }
        let (received, expected) = delegate.counts
        if let failure = delegate.failure { throw failure }
        if let expected, received != expected {
            throw Failure(reason: "the connection closed after \(received) of \(expected) bytes")
        }
        progress.update(received: received, expected: expected)
    }
}

/// Receives the response on URLSession's queue and appends each chunk to the file.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private let file: FileHandle
    private var received: Int64 = 0
    private var expected: Int64?
    private var failureStorage: Downloader.Failure?
    let done = DispatchSemaphore(value: 0)

    init(file: FileHandle) { self.file = file }

    var counts: (Int64, Int64?) { lock.withLock { (received, expected) } }
    var failure: Downloader.Failure? { lock.withLock { failureStorage } }

    private func fail(_ reason: String) { lock.withLock { if failureStorage == nil { failureStorage = .init(reason: reason) } } }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse, !(200...299).contains(http.statusCode) {
            fail("HTTP status \(http.statusCode) (\(HTTPURLResponse.localizedString(forStatusCode: http.statusCode)))")
            completionHandler(.cancel)
            return
        }
        lock.withLock { expected = response.expectedContentLength >= 0 ? response.expectedContentLength : nil }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        do {
            try file.write(contentsOf: data)
            lock.withLock { received += Int64(data.count) }
        } catch {
            fail("cannot write the download to disk: \(error.localizedDescription)")
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error { fail(error.localizedDescription) }
        done.signal()
    }
}

/// Shows a download's progress: on a terminal a bar redrawn in place (bytes, rate, time left) on
/// standard error; otherwise (piped, CI logs) a plain line at the start, at each quarter, and at the end.
final class DownloadProgress {
    private let name: String
    private let report: (String) -> Void
    private let statusLine: StatusLine?
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var quartersReported = 0

    /// `live`: draw a bar on the terminal (nil: decide from whether standard error is a terminal).
    init(name: String, source: URL, live: Bool? = nil, report: @escaping (String) -> Void) {
        self.name = name
        self.report = report
        let line = StatusLine()
        statusLine = (live ?? line.isActive) ? line : nil
        report("downloading \(name) from \(source.absoluteString)")
    }

    func update(received: Int64, expected: Int64?) {
        let now = Date()
        let elapsed = max(now.timeIntervalSince(start), 1e-3)
        let rate = Double(received) / elapsed
        if let statusLine {
            guard now.timeIntervalSince(lastDraw) >= 0.1 || received == expected else { return }
            lastDraw = now
            var text = "  \(name)  "
            if let expected, expected > 0 {
                let fraction = min(1, Double(received) / Double(expected))
                let filled = Int(fraction * 24)
                text += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 24 - filled) + "] "
                text += "\(megabytes(received)) / \(megabytes(expected))  \(megabytes(Int64(rate)))/s"
                if rate > 0 { text += "  \(duration(Double(expected - received) / rate)) left" }
            } else {
                text += "\(megabytes(received))  \(megabytes(Int64(rate)))/s"
            }
            statusLine.show(text)
        } else if let expected, expected > 0 {
            let quarters = Int(4 * received / expected)
            while quartersReported < min(quarters, 3) {
                quartersReported += 1
                report("  \(quartersReported * 25)%  \(megabytes(received)) of \(megabytes(expected))")
            }
        }
    }

    /// Ends the display with one permanent line.
    func finish(received: Int64, outcome: String) {
        statusLine?.clear()
        let seconds = Date().timeIntervalSince(start)
        report("  \(name): \(megabytes(received)) in \(String(format: "%.1f", seconds)) s, \(outcome)")
    }

    func megabytes(_ bytes: Int64) -> String {
        bytes < 1_000_000 ? String(format: "%.0f kB", Double(bytes) / 1e3) : String(format: "%.1f MB", Double(bytes) / 1e6)
    }
}
