import Foundation
import TokenMillCore

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
let sharedTokenizers = URL(fileURLWithPath: repositoryRoot + "/../shared/corpora/tokenizers").standardized.path

/// JSON lines of a (possibly gzipped) file.
func readJSONLines(_ path: String) throws -> [JSONValue] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", path.hasSuffix(".gz") ? "zcat '\(path)'" : "cat '\(path)'"]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return try data.split(separator: 0x0A).map { try JSONScanner.parse([UInt8]($0)) }
}
