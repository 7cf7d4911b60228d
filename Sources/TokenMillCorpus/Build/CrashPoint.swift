#if canImport(Glibc)
import Glibc
#endif

/// Named points where a test can make a build kill itself with SIGKILL (`TOKENMILL_KILL_AT`), to
/// prove that a build interrupted there resumes to byte-identical output. A real `kill -9` —
/// nothing is flushed or cleaned up. Points: `after-index`, `after-unit`, `mid-shard`,
/// `before-manifest`.
enum CrashPoint {
    static func hit(_ name: String) {
        guard let wanted = getenv("TOKENMILL_KILL_AT").map({ String(cString: $0) }), wanted == name else { return }
        kill(getpid(), SIGKILL)
    }
}
