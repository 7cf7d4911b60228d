import Foundation
import Synchronization
import TokenMillCore
import TokenMillIO

extension BuildPipeline {
    /// Stage 1: index every work unit not already indexed, on `--jobs` threads. Units are taken
    /// from a shared counter; each writes only its own files, so no lock is held per document.
    func indexUnits(_ units: [(source: Int, unit: WorkUnit)]) throws -> [UnitIndexer.Result] {
        var results = [UnitIndexer.Result?](repeating: nil, count: units.count)
        for i in units.indices {
            if let data = FileManager.default.contents(atPath: unitBase(i) + ".json"),
               let json = try? JSONScanner.parse([UInt8](data)) {
                results[i] = UnitIndexer.Result(json: json)
            }
        }
        let pending = units.indices.filter { results[$0] == nil }
        let progress = options.progress
        progress.begin("read+tokenize", units: pending.count)
        let indexers = recipe.sources.map { source in
            UnitIndexer(source: source, tokenizer: tokenizer, dtype: dtype,
                        orderSeed: StableHash.combine(recipe.seed, StableHash.xxh64(source.name)),
                        writeRejects: recipe.writeRejects, dedup: recipe.dedup,
                        keepTexts: recipe.outputs.contains { $0.hasPrefix("jsonl") })
        }
        let next = Atomic<Int>(0)
        let firstError = Mutex<(index: Int, error: Error)?>(nil)
        let done = Mutex<[Int: UnitIndexer.Result]>([:])
        let workers = min(options.jobs, max(pending.count, 1))
        let unitList = units
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let k = next.add(1, ordering: .relaxed).oldValue
                guard k < pending.count, firstError.withLock({ $0 == nil }) else { return }
                let i = pending[k]
                do {
                    let r = try indexers[unitList[i].source].index(unitList[i].unit, into: unitBase(i), progress: progress)
                    done.withLock { $0[i] = r }
                    progress.unitDone()
                    CrashPoint.hit("after-unit")
                } catch {
                    firstError.withLock { if $0 == nil || $0!.index > i { $0 = (i, error) } }
                }
            }
        }
        if let failure = firstError.withLock({ $0 }) { throw failure.error }
        for (i, r) in done.withLock({ $0 }) { results[i] = r }
        progress.end()
        return results.map { $0! }
    }

    /// Concatenates the units' rejects in unit order into `rejects.jsonl`.
    func mergeRejects(unitCount: Int) throws -> (path: String, sha256: String, bytes: Int64) {
        let writer = try AtomicFileWriter(path: out + "/rejects.jsonl", hashing: true)
        for path in (0..<unitCount).map({ unitBase($0) + ".rejects.jsonl" }) + [work + "/dedup.rejects.jsonl"] {
            if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
                try writer.write([UInt8](data))
            }
        }
        let sha = try writer.commit()!
        return ("rejects.jsonl", sha, writer.bytesWritten)
    }
}
