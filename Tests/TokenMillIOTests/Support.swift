import Foundation

/// The shared corpora beside the repository (`../shared/corpora`).
let sharedCorpora = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../shared/corpora").standardized.path

func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "tokenmill-io-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a shell command (used to make fixtures with the system's gzip and zstd tools).
func shell(_ command: String) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    try p.run()
    p.waitUntilExit()
    precondition(p.terminationStatus == 0, "command failed: \(command)")
}
