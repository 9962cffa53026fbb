import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking   // URLSession on Linux
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a download may cost before it is abandoned.
public struct DownloadLimits: Sendable {
    /// A transfer slower than `minimumBytesPerWindow` bytes in each `window` seconds is abandoned:
    /// a server sending one byte every few seconds would otherwise keep the learner waiting forever.
    public var minimumBytesPerWindow: Int64
    public var window: TimeInterval
    /// No byte at all for this long ends the transfer.
    public var idleTimeout: TimeInterval

    /// 50 kB in every 30 s (MNIST's largest file, 9.9 MB, would take an hour at that rate), and 20 s idle.
    public init(minimumBytesPerWindow: Int64 = 50_000, window: TimeInterval = 30, idleTimeout: TimeInterval = 20) {
        self.minimumBytesPerWindow = minimumBytesPerWindow
        self.window = window
        self.idleTimeout = idleTimeout
    }
}

/// Downloads one file over HTTP(S) into a temporary file, showing progress. Nothing here decides
/// *what* to download or where it finally goes: `DatasetCache` verifies and moves the file into place.
enum Downloader {
    /// Why a download failed, in words for the learner.
    struct Failure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// Fetches `url` into `destination` (created or truncated). Throws on any network or HTTP error,
    /// when fewer bytes arrive than the server announced, when more than `maximumBytes` are sent or
    /// announced (an endless stream cannot fill the disk), or when `limits` are broken.
    /// `progress` draws the bar or plain lines.
    static func fetch(_ url: URL, to destination: String, progress: DownloadProgress, maximumBytes: Int64,
                      limits: DownloadLimits) throws(Failure) {
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let handle = FileHandle(forWritingAtPath: destination) else {
            throw Failure(reason: "cannot write \(destination): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }

        let configuration = ephemeralConfiguration(scratch: (destination as NSString).deletingLastPathComponent)
        let delegate = TransferDelegate(file: handle, maximumBytes: maximumBytes, idleTimeout: limits.idleTimeout)
        configuration.timeoutIntervalForRequest = limits.idleTimeout
        configuration.timeoutIntervalForResource = 3600
        configuration.httpAdditionalHeaders = ["User-Agent": "deep-learning-from-scratch (Swift)"]
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        session.dataTask(with: url).resume()

        // Wait on this thread, redrawing the progress from the counters the delegate keeps, and
        // checking the rate once per window.
        var windowStart = (time: Date(), received: Int64(0))
        while delegate.done.wait(timeout: .now() + 0.1) == .timedOut {
            let (received, expected) = delegate.counts
            progress.update(received: received, expected: expected)
            let now = Date()
            if now.timeIntervalSince(windowStart.time) >= limits.window {
                if received - windowStart.received < limits.minimumBytesPerWindow {
                    session.invalidateAndCancel()
                    throw Failure(reason: "too slow: \(received - windowStart.received) bytes in the last "
                        + "\(Int(limits.window)) s (at least \(limits.minimumBytesPerWindow) expected); abandoned")
                }
                windowStart = (now, received)
            }
        }
        let (received, expected) = delegate.counts
        if let failure = delegate.failure { throw failure }
        if let expected, received != expected {
            throw Failure(reason: "the connection closed after \(received) of \(expected) bytes")
        }
        progress.update(received: received, expected: expected)
    }

    /// An ephemeral session configuration (no disk cache, no cookies), made without writing into the
    /// user's home: on Linux, Foundation gives every new configuration a URL cache and a cookie store
    /// whose constructors create ~/.cache/org.swift.foundation.URLCache/<program> and
    /// ~/.local/share/<program> even though an ephemeral session never stores anything there. While
    /// the configuration is made, the user's cache and data folders point into `scratch` (our own
    /// cache folder), and what lands there is removed.
    static func ephemeralConfiguration(scratch: String) -> URLSessionConfiguration {
        #if os(Linux)
        let folder = (scratch as NSString).appendingPathComponent(".foundation-\(getpid())")
        let saved = ["XDG_CACHE_HOME", "XDG_DATA_HOME"].map { ($0, ProcessInfo.processInfo.environment[$0]) }
        for (variable, _) in saved { setenv(variable, folder, 1) }
        defer {
            for (variable, value) in saved {
                if let value { setenv(variable, value, 1) } else { unsetenv(variable) }
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
        #endif
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        return configuration
    }

    /// A transfer error in words, instead of "NSURLErrorDomain error -1001".
    static func describe(_ error: Error, idleTimeout: TimeInterval) -> String {
        guard let urlError = error as? URLError else { return error.localizedDescription }
        switch urlError.code {
        case .timedOut: return "no data arrived for \(Int(idleTimeout)) s (timed out)"
        case .cannotConnectToHost: return "the server refused the connection (nothing listening at that address and port?)"
        case .cannotFindHost, .dnsLookupFailed: return "the server's name could not be resolved (offline, or a typo in the address?)"
        case .notConnectedToInternet: return "this machine is not connected to a network"
        case .networkConnectionLost: return "the connection was lost during the transfer"
        case .badURL, .unsupportedURL: return "the address is not a valid http:// or https:// URL"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "the secure (HTTPS) connection could not be established: the server's certificate was not accepted"
        case .cancelled: return "the transfer was cancelled"
        default: return "\(urlError.localizedDescription) (URL error \(urlError.code.rawValue))"
        }
    }
}

/// Receives the response on URLSession's queue and appends each chunk to the file.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private let file: FileHandle
    private var received: Int64 = 0
    private var expected: Int64?
    private var failureStorage: Downloader.Failure?
    private let maximumBytes: Int64
    private let idleTimeout: TimeInterval
    let done = DispatchSemaphore(value: 0)

    init(file: FileHandle, maximumBytes: Int64, idleTimeout: TimeInterval) {
        self.file = file
        self.maximumBytes = maximumBytes
        self.idleTimeout = idleTimeout
    }

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
        let announced = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        if let announced, announced > maximumBytes {
            fail("the server announced \(announced) bytes; the file takes at most \(maximumBytes)")
            completionHandler(.cancel)
            return
        }
        lock.withLock { expected = announced }
        completionHandler(.allow)
    }

    /// Only the listed mirrors are ever contacted: a redirect to another scheme, host or port is refused.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        func origin(_ url: URL?) -> String? {
            guard let url, let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
            return "\(scheme)://\(host):\(url.port ?? (scheme == "https" ? 443 : 80))"
        }
        let from = origin(task.originalRequest?.url), to = origin(request.url)
        if from != nil && from == to {
            completionHandler(request)
        } else {
            fail("the server redirected to \(request.url?.absoluteString ?? "another address"), which is not a listed mirror")
            completionHandler(nil)
            task.cancel()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard lock.withLock({ received }) + Int64(data.count) <= maximumBytes else {
            fail("the server sent more than \(maximumBytes) bytes, more than the file can take; cut off")
            dataTask.cancel()
            return
        }
        do {
            try file.write(contentsOf: data)
            lock.withLock { received += Int64(data.count) }
        } catch {
            fail("cannot write the download to disk: \(error.localizedDescription)")
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error { fail(Downloader.describe(error, idleTimeout: idleTimeout)) }
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
    private var lastUpdate: Date?
    private var quartersReported = 0

    /// `live`: draw a bar on the terminal (nil: decide from whether standard error is a terminal).
    init(name: String, source: URL, live: Bool? = nil, report: @escaping (String) -> Void) {
        self.name = name
        self.report = report
        let line = StatusLine()
        statusLine = (live ?? line.isActive) ? line : nil
        report("downloading \(name) from \(Datasets.displayed(source))")
    }

    func update(received: Int64, expected: Int64?) {
        let now = Date()
        lastUpdate = now
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
        } else if let expected, expected > 0, received < expected {
            // Plain lines for logs: one when a new quarter is reached (the final line reports completion).
            let quarters = Int(4 * received / expected)
            if quarters > quartersReported {
                quartersReported = quarters
                report("  \(quarters * 25)%  \(megabytes(received)) of \(megabytes(expected))  \(megabytes(Int64(rate)))/s")
            }
        }
    }

    /// Ends the display with one permanent line.
    func finish(received: Int64, outcome: String) {
        statusLine?.clear()
        let seconds = (lastUpdate ?? Date()).timeIntervalSince(start)   // the transfer, not the verification
        let rate = Double(received) / max(seconds, 1e-3)
        report("  \(name): \(megabytes(received)) in \(String(format: "%.1f", seconds)) s "
            + "(\(megabytes(Int64(rate)))/s), \(outcome)")
    }

    func megabytes(_ bytes: Int64) -> String {
        bytes < 1_000_000 ? String(format: "%.0f kB", Double(bytes) / 1e3) : String(format: "%.1f MB", Double(bytes) / 1e6)
    }
}
