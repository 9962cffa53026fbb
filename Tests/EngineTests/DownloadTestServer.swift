import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for the downloader tests: it serves the files of one folder
/// by name (GET /any/prefix/NAME), one request per connection, and can misbehave on purpose.
/// Written with plain sockets so the tests need nothing but the Swift toolchain (no python, no network).
final class LocalHTTPServer: @unchecked Sendable {
    enum Behavior: Sendable {
        /// Serve every file as it is.
        case normal
        /// Flip one byte in the middle of this file.
        case corrupt(String)
        /// Serve this file with the content of another (a valid gzip file, the wrong data).
        case substitute(String, with: String)
        /// Announce this file's full length, send half of it, and hang up.
        case closeMidway(String)
        /// Answer requests for this file with a 302 redirect to `location`.
        case redirect(String, to: String)
        /// Send this file as an endless stream of zeros with no length announced, until the client hangs up.
        case endless(String)
        /// Announce this file's full length, then send one byte every `interval` seconds.
        case trickle(String, interval: Double)
    }

    let port: UInt16
    var url: String { "http://127.0.0.1:\(port)/mnist/" }

    private let directory: String
    private let listener: Int32
    private let lock = NSLock()
    private var behaviorStorage: Behavior
    private var requestLog: [String] = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// The file names requested so far, in order.
    var requests: [String] { lock.withLock { requestLog } }
    var behavior: Behavior {
        get { lock.withLock { behaviorStorage } }
        set { lock.withLock { behaviorStorage = newValue } }
    }

    init(serving directory: String, behavior: Behavior = .normal) throws {
        self.directory = directory
        self.behaviorStorage = behavior
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ServerError("socket() failed: \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_port = 0   // any free port
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ServerError("cannot listen on 127.0.0.1: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit { stop() }

    /// Stops accepting connections and closes the socket (a later request is refused).
    func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard wasRunning else { return }
        finished.wait()
        close(listener)
    }

    private func serve() {
        defer { finished.signal() }
        while !lock.withLock({ stopped }) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            #if canImport(Darwin)
            var yes: Int32 = 1
            setsockopt(connection, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
            #endif
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        // Read the request head.
        var head = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !head.ends(with: Array("\r\n\r\n".utf8)) && head.count < 65_536 {
            let n = recv(connection, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            head += buffer[..<n]
        }
        let requestLine = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET" else { return respond(connection, status: "400 Bad Request", body: []) }
        let requested = String(parts[1].split(separator: "/").last ?? "")   // may carry a ?query
        let name = String(requested.split(separator: "?").first ?? "")
        lock.withLock { requestLog.append(requested) }

        if case .redirect(let file, let location) = behavior, file == requested {
            let header = "HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            sendAll(connection, Array(header.utf8))
            return
        }
        if case .endless(let file) = behavior, file == name {
            let header = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
            guard sendAll(connection, Array(header.utf8)) else { return }
            let zeros = [UInt8](repeating: 0, count: 16_384)
            while !lock.withLock({ stopped }), sendAll(connection, zeros) {}
            return
        }
        var servedName = name
        if case .substitute(let file, let other) = behavior, file == name { servedName = other }
        guard !name.isEmpty, !name.hasPrefix("."),
              var body = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(servedName)).map({ [UInt8]($0) })
        else { return respond(connection, status: "404 Not Found", body: Array("no such file\n".utf8)) }

        switch behavior {
        case .corrupt(let file) where file == name:
            body[body.count / 2] ^= 0x55
        case .trickle(let file, let interval) where file == name:
            let header = "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
            guard sendAll(connection, Array(header.utf8)) else { return }
            for byte in body where !lock.withLock({ stopped }) {
                guard sendAll(connection, [byte]) else { return }
                Thread.sleep(forTimeInterval: interval)
            }
            return
        case .closeMidway(let file) where file == name:
            let header = "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
            sendAll(connection, Array(header.utf8) + body[..<(body.count / 2)])
            return
        default:
            break
        }
        respond(connection, status: "200 OK", body: body)
    }

    private func respond(_ connection: Int32, status: String, body: [UInt8]) {
        let header = "HTTP/1.1 \(status)\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
        sendAll(connection, Array(header.utf8) + body)
    }

    /// Sends every byte; false when the client hung up.
    @discardableResult
    private func sendAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)   // a client that hangs up must not kill the test process
        #else
        let flags: Int32 = 0
        #endif
        return bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(connection, raw.baseAddress! + offset, raw.count - offset, flags)
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
