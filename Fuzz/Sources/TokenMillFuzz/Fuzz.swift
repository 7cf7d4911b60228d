#if canImport(Glibc)
import Glibc
#endif
import TokenMillCore
import TokenMillIO

/// One input: the first byte picks the reader. 0: the bytes are a Parquet file, read whole
/// (footer, schema, every column chunk of every row group, rows assembled; and page at a time). Otherwise: the bytes
/// are a JSONL file, read by `DocumentReader` with a nested text field and an id field. Errors
/// are expected; crashes, traps and sanitizer reports are what the fuzzer looks for.
nonisolated(unsafe) let scratchPath = "/tmp/tokenmill-fuzz-\(getpid()).jsonl"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        guard let file = try? ParquetFile(bytes: bytes, path: "fuzz.parquet") else { return 0 }
        var buffers = ParquetPageBuffers()
        for g in 0..<min(file.rowGroupCount, 16) {
            for leaf in file.schema.leaves.indices.prefix(16) {
                _ = try? file.rows(leaf, rowGroup: g)
                // Page at a time too, with buffers shared by every column, whole and in two runs.
                _ = try? file.forEachPage(leaf, rowGroup: g, buffers: &buffers) { _ in }
                if let n = try? file.dataPageCount(leaf, rowGroup: g) {
                    _ = try? file.forEachPage(leaf, rowGroup: g, pages: (n / 2)..<n, buffers: &buffers) { _ in }
                }
            }
        }
    } else {
        guard let f = fopen(scratchPath, "wb") else { return 0 }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        let reader = DocumentReader(spec: ReaderSpec(format: .jsonl, textField: data[0] & 2 == 0 ? "text" : "doc.body", idField: "id"))
        _ = try? reader.read(WorkUnit(path: scratchPath, displayPath: "fuzz.jsonl", compression: .none), onDocument: { _ in }, onReject: { _ in })
    }
    return 0
}

// SwiftPM links an executable's entry point as `<target>_main`; hand control to libFuzzer's
// driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("TokenMillFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
