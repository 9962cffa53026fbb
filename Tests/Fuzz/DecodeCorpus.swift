// Decodes fuzz-corpus inputs (first byte: 0 = gzip file, 1 = raw DEFLATE) and prints one line per file,
// "NAME MODE ok SHA256" or "NAME MODE err REASON", for compare-with-zlib.py. Built by differential.sh.
import Foundation

@main
struct DecodeCorpus {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path), let mode = data.first, mode % 4 < 2 else { continue }
            let bytes = [UInt8](data.dropFirst())
            let name = (path as NSString).lastPathComponent
            do {
                let output = mode % 4 == 0 ? try Gzip.decompress(bytes, limit: 1 << 24) : try inflateRaw(bytes, limit: 1 << 24)
                print(name, mode % 4, "ok", SHA256.hexDigest(output))
            } catch {
                print(name, mode % 4, "err", error)
            }
        }
    }
}
