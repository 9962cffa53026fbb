import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Where a lesson's data comes from, in order:
//   1. --data-dir DIR, or the environment variable DLFS_DATA_DIR;
//   2. for Fashion-MNIST, Debian's package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist);
//   3. the user cache: $DLFS_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches
//      on macOS, in a folder named deep-learning-from-scratch;
//   4. a download from the public mirrors, tried in turn (or only the mirror named by --mirror or
//      DLFS_MIRROR), verified, then written into the cache atomically;
//   5. offline or every mirror failing: the built-in synthetic digits, with a banner.
// Every file, wherever it comes from, must match the SHA-256 of its decompressed bytes compiled in below.

/// What the engine knows about a downloadable dataset.
struct DatasetCatalogEntry: Sendable {
    let name: DatasetName
    let title: String
    /// SHA-256 of each *decompressed* IDX file (mirrors compress differently; the content is the same).
    let checksums: [IDXFile: String]
    /// HTTPS folders holding the four .gz files, tried in turn.
    let mirrors: [String]
    /// Folders where an operating-system package installs the files.
    let systemFolders: [String]

    static let mnist = DatasetCatalogEntry(
        name: .mnist, title: "MNIST",
        checksums: [
            .trainImages: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            .trainLabels: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            .testImages: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            .testLabels: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ],
        mirrors: [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",        // PyTorch's torchvision mirror
            "https://storage.googleapis.com/cvdf-datasets/mnist/",   // TensorFlow's mirror
        ],
        systemFolders: [])

    /// Checksums computed from the files of Debian's dataset-fashion-mnist (0.0~git20200523.55506a9-1).
    static let fashionMNIST = DatasetCatalogEntry(
        name: .fashionMNIST, title: "Fashion-MNIST",
        checksums: [
            .trainImages: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            .trainLabels: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            .testImages: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            .testLabels: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ],
        mirrors: [
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",                  // Keras's mirror
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",  // the authors' repository
        ],
        systemFolders: ["/usr/share/datasets/fashion-mnist"])

    static func entry(for name: DatasetName) -> DatasetCatalogEntry? {
        switch name {
        case .mnist: mnist
        case .fashionMNIST: fashionMNIST
        case .synthetic: nil
        }
    }
}

extension Datasets {
    /// The environment variable naming a mirror to download from instead of the public ones.
    public static let mirrorVariable = "DLFS_MIRROR"
    /// The environment variable naming the cache folder itself (instead of <user cache>/deep-learning-from-scratch).
    public static let cacheVariable = "DLFS_CACHE_DIR"
    /// The name of the package's folder inside the user cache.
    public static let cacheFolderName = "deep-learning-from-scratch"

    /// The cache folder: $DLFS_CACHE_DIR, else <user cache>/deep-learning-from-scratch, where the user
    /// cache is $XDG_CACHE_HOME or ~/.cache on Linux and ~/Library/Caches on macOS.
    public static func defaultCacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment[cacheVariable], !explicit.isEmpty { return explicit }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        #if os(macOS)
        let root = (home as NSString).appendingPathComponent("Library/Caches")
        #else
        let root = environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (home as NSString).appendingPathComponent(".cache")
        #endif
        return (root as NSString).appendingPathComponent(cacheFolderName)
    }

    /// Loads `name` from the first place that has it (see the top of this file), verifying every file.
    ///
    /// - `directory`: --data-dir (or DLFS_DATA_DIR): used alone; a bad file there is an error, never skipped.
    /// - `mirror`: --mirror; else $DLFS_MIRROR; else the built-in public mirrors.
    /// - `cacheDirectory`: where downloads are kept (default `defaultCacheDirectory()`); tests pass a temporary folder.
    /// - `useSystemFolders`: look in operating-system package folders (Debian's Fashion-MNIST).
    /// - `fallbackToSynthetic`: when nothing real can be had, use the built-in digits (with a banner)
    ///   instead of throwing.
    /// - `liveProgress`: draw download progress bars (nil: when standard error is a terminal).
    /// - `downloadLimits`: when a slow transfer is abandoned (each download is also capped at the
    ///   most its file can take, `IDXFile.largestStoredSize`).
    /// - `report` receives progress lines and the banner.
    public static func load(_ name: DatasetName, directory: String?, mirror: String? = nil,
                            cacheDirectory: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            useSystemFolders: Bool = true, fallbackToSynthetic: Bool = true,
                            liveProgress: Bool? = nil, downloadLimits: DownloadLimits = DownloadLimits(),
                            report: (String) -> Void = { _ in }) throws -> DatasetSplits {
        guard let entry = DatasetCatalogEntry.entry(for: name) else { return SyntheticDigits.splits() }
        if let directory {
            return try readVerified(entry, from: directory)
        }
        if useSystemFolders {
            for folder in entry.systemFolders where IDXFile.allCases.allSatisfy({ locate($0, in: folder) != nil }) {
                do {
                    return try readVerified(entry, from: folder)
                } catch {
                    report("skipping \(folder): \(error)")
                }
            }
        }
        let cache = cacheDirectory ?? defaultCacheDirectory(environment: environment)
        let mirrors = try mirrorList(entry, named: mirror ?? environment[mirrorVariable].flatMap { $0.isEmpty ? nil : $0 })
        do {
            return try withoutActuallyEscaping(report) { report in
                try loadFromCache(entry, cache: cache, mirrors: mirrors, liveProgress: liveProgress, limits: downloadLimits,
                                  report: report)
            }
        } catch let unavailable as Unavailable {
            let places = "Looked in: --data-dir / \(LessonOptions.dataDirectoryVariable) (not set)"
                + (useSystemFolders && !entry.systemFolders.isEmpty ? ", \(entry.systemFolders.joined(separator: ", "))" : "")
                + ", the cache \(cache)/\(name.rawValue)"
            guard fallbackToSynthetic else {
                throw DataError("no \(entry.title) data could be found or downloaded.\n\(places)\n\(unavailable.details)\n"
                    + howToProvide(entry, cache: cache))
            }
            report(banner(entry, places: places, unavailable: unavailable, cache: cache))
            let synthetic = SyntheticDigits.splits()
            return DatasetSplits(name: .synthetic, train: synthetic.train, validation: synthetic.validation,
                                 test: synthetic.test, source: "built-in synthetic digits: \(entry.title) was unavailable")
        }
    }

    // MARK: Reading and verifying

    /// Reads the four files of `entry` from `folder`, checking each against its checksum.
    static func readVerified(_ entry: DatasetCatalogEntry, from folder: String) throws -> DatasetSplits {
        try readFolder(entry.name, folder, title: entry.title) { (path, file) throws(DataError) in
            try verifiedContents(of: path, file: file, entry: entry)
        }
    }

    /// The decompressed content of the file at `path`, if it is intact and its SHA-256 is the expected one.
    static func verifiedContents(of path: String, file: IDXFile, entry: DatasetCatalogEntry) throws(DataError) -> [UInt8] {
        try verify(try IDX.contents(of: path, knownFile: file), path: path, file: file, entry: entry)
    }

    /// Checks decompressed bytes against the catalog's checksum; the error names the file and both checksums.
    static func verify(_ decompressed: [UInt8], path: String, file: IDXFile, entry: DatasetCatalogEntry) throws(DataError) -> [UInt8] {
        let expected = entry.checksums[file]!
        let actual = SHA256.hexDigest(decompressed)
        guard actual == expected else {
            var message = "\(path): checksum mismatch: the SHA-256 of its decompressed content is \(actual), "
                + "expected \(expected) for \(entry.title)'s \(file.rawValue)"
            for other in [DatasetCatalogEntry.mnist, .fashionMNIST] where other.name != entry.name {
                if let match = other.checksums.first(where: { $0.value == actual }) {
                    message += " (it is \(other.title)'s \(match.key.rawValue): use --dataset \(other.name.rawValue))"
                }
            }
            throw DataError(message)
        }
        return decompressed
    }

    // MARK: Cache and download

    /// Nothing real could be had: every mirror failed for some file.
    struct Unavailable: Error {
        let details: String
    }

    static func mirrorList(_ entry: DatasetCatalogEntry, named mirror: String?) throws(DataError) -> [URL] {
        guard let mirror else { return entry.mirrors.map { URL(string: $0)! } }
        let text = mirror.hasSuffix("/") ? mirror : mirror + "/"
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil else {
            throw DataError("the mirror '\(displayed(mirror))' (from --mirror or \(mirrorVariable)) is not an http:// or https:// "
                + "URL of a folder holding the four .gz files")
        }
        if let port = url.port, !(1...65_535).contains(port) {
            throw DataError("the mirror '\(displayed(mirror))' names port \(port); ports go from 1 to 65535")
        }
        #if os(Linux)
        if text.contains("://[") {
            throw DataError("the mirror '\(displayed(mirror))' is an IPv6 address in brackets, which Foundation's "
                + "downloader on Linux cannot fetch from; use the server's name or an IPv4 address (e.g. 127.0.0.1)")
        }
        #endif
        return [url]
    }

    /// Uses the cached files that verify, downloads the others, and returns the splits.
    static func loadFromCache(_ entry: DatasetCatalogEntry, cache: String, mirrors: [URL], liveProgress: Bool?,
                              limits: DownloadLimits, report: @escaping (String) -> Void) throws -> DatasetSplits {
        let folder = (cache as NSString).appendingPathComponent(entry.name.rawValue)
        var contents: [IDXFile: [UInt8]] = [:]
        var paths: [IDXFile: String] = [:]
        let cached = IDXFile.allCases.compactMap { file in locate(file, in: folder).map { (file, $0) } }
        let results = concurrentMap(cached) { (file, path) throws(DataError) in
            try verifiedContents(of: path, file: file, entry: entry)
        }
        for ((file, path), result) in zip(cached, results) {
            switch result {
            case .success(let bytes):
                contents[file] = bytes
                paths[file] = path
            case .failure(let error):
                report("the cached file fails its check, fetching it again: \(error)")
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        let missing = IDXFile.allCases.filter { contents[$0] == nil }
        if !missing.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                // Not a network problem: say what is in the way rather than suggesting to go online.
                var blocker = folder
                while !blocker.isEmpty && blocker != "/" && !FileManager.default.fileExists(atPath: blocker) {
                    blocker = (blocker as NSString).deletingLastPathComponent
                }
                let reason = !isRegularFile(blocker) ? error.localizedDescription
                    : "\(blocker) is a file, not a folder"
                throw DataError("the cache folder \(folder) cannot be created: \(reason). Remove what is in the way, "
                    + "or set \(cacheVariable) to a folder you can write to")
            }
            removeStalePartialDownloads(in: folder)
            for file in missing {
                let (bytes, path) = try download(file, entry: entry, mirrors: mirrors, into: folder,
                                                 liveProgress: liveProgress, limits: limits, report: report)
                contents[file] = bytes
                paths[file] = path
            }
        }
        let source = missing.isEmpty ? "cached in \(folder)" : "downloaded to \(folder)"
        return try splits(entry.name, files: contents, paths: paths, source: source)
    }

    /// Downloads `file` from the first mirror that delivers a verified copy and moves it into `folder`
    /// atomically. Partial or bad downloads are deleted; nothing unverified ever gets the real name.
    static func download(_ file: IDXFile, entry: DatasetCatalogEntry, mirrors: [URL], into folder: String,
                         liveProgress: Bool?, limits: DownloadLimits,
                         report: @escaping (String) -> Void) throws(Unavailable) -> ([UInt8], String) {
        let name = file.rawValue + ".gz"
        let destination = (folder as NSString).appendingPathComponent(name)
        var failures: [String] = []
        for mirror in mirrors {
            let url = mirror.appendingPathComponent(name)
            let partial = (folder as NSString).appendingPathComponent(".\(name).partial-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(atPath: partial) }
            let progress = DownloadProgress(name: name, source: url, live: liveProgress, report: report)
            do throws(Downloader.Failure) {
                try Downloader.fetch(url, to: partial, progress: progress, maximumBytes: Int64(file.largestStoredSize),
                                     limits: limits)
            } catch {
                progress.finish(received: fileSize(partial), outcome: "failed: \(error.reason)")
                failures.append("\(displayed(url)): \(error.reason)")
                continue
            }
            let received = fileSize(partial)
            do throws(DataError) {
                let bytes = try verifiedContents(of: partial, file: file, entry: entry)
                guard rename(partial, destination) == 0 else {
                    let reason = String(cString: strerror(errno))
                    throw DataError("cannot move the download into \(destination): \(reason)")
                }
                progress.finish(received: received, outcome: "verified (SHA-256)")
                return (bytes, destination)
            } catch {
                let reason = error.message.replacingOccurrences(of: partial, with: "the downloaded file")
                progress.finish(received: received, outcome: "refused: \(reason)")
                failures.append("\(displayed(url)): refused: \(reason)")
            }
        }
        throw Unavailable(details: "Downloading \(name) failed:\n" + failures.map { "  \($0)" }.joined(separator: "\n"))
    }

    /// Deletes partial downloads left by a killed run (more than an hour old, so a concurrent run's survive).
    static func removeStalePartialDownloads(in folder: String) {
        let manager = FileManager.default
        for item in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] where item.contains(".partial-") {
            let path = (folder as NSString).appendingPathComponent(item)
            let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
            if Date().timeIntervalSince(modified) > 3600 { try? manager.removeItem(atPath: path) }
        }
    }

    /// A URL as it may be printed: without a user name or password embedded in it.
    static func displayed(_ url: URL) -> String { displayed(url.absoluteString) }

    static func displayed(_ text: String) -> String {
        guard let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at,
              !text[scheme.upperBound..<at].contains("/") else { return text }
        return String(text[..<scheme.upperBound]) + "…@" + String(text[text.index(after: at)...])
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    // MARK: Messages

    static func howToProvide(_ entry: DatasetCatalogEntry, cache: String) -> String {
        var text = "To use \(entry.title): connect to the internet and run again (the files are verified and kept in "
            + "\(cache)/\(entry.name.rawValue)), or put the four files (\(IDXFile.allCases.map(\.rawValue).joined(separator: ", ")), "
            + "raw or .gz) in a folder and pass --data-dir FOLDER or set \(LessonOptions.dataDirectoryVariable)=FOLDER."
        if entry.name == .fashionMNIST {
            text += " On Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist."
        }
        return text
    }

    /// When MNIST is missing but Debian's Fashion-MNIST package is installed, say that real images are at hand.
    static func fashionOffer(instead entry: DatasetCatalogEntry) -> String {
        guard entry.name == .mnist, let folder = DatasetCatalogEntry.fashionMNIST.systemFolders.first(where: { folder in
            IDXFile.allCases.allSatisfy { locate($0, in: folder) != nil }
        }) else { return "" }
        return "\nFashion-MNIST is installed on this machine (\(folder)): --dataset fashion-mnist trains on real "
            + "images of clothing instead, with no download."
    }

    static func banner(_ entry: DatasetCatalogEntry, places: String, unavailable: Unavailable, cache: String) -> String {
        let rule = String(repeating: "=", count: 78)
        return """
            \(rule)
            \(entry.title) is not available, so this run uses the engine's built-in SYNTHETIC DIGITS
            (drawn strokes, not handwriting). They tell the book's story with their own numbers: each
            chapter gives both (lesson 01: 0.92 on MNIST and on the synthetic digits; lesson 04's CNN
            0.97 on MNIST, 0.98 here).
            \(places)
            \(unavailable.details)
            \(howToProvide(entry, cache: cache))\(fashionOffer(instead: entry))
            \(rule)
            """
    }
}
