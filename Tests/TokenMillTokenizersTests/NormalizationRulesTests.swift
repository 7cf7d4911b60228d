import Foundation
import Testing
@testable import TokenMillTokenizers

@Suite struct NormalizationRulesTests {
    /// Our nmt_nfkc rules, built from ICU, against the blob sentencepiece put in a model it
    /// trained: the same rules wherever both Unicode versions know the characters.
    @Test func nmtNFKCMatchesSentencepiecesRules() throws {
        let model = try SentencePieceModel.load(path: BPEParityTests.fixtures + "/spm_unigram_en_8k.model")
        #expect(model.normalizer.name == "nmt_nfkc")
        let theirs = NormalizationRules.decompile(model.normalizer.precompiledCharsmap)
        let fresh = try NormalizationRules.buildNmtNFKCBlob()
        // The committed blob (what trained models carry) is today's build from ICU.
        #expect(fresh == NormalizationRules.nmtNFKCBlob, "NmtNFKCBlob.swift is stale: run `tokenmill build-charsmap`")
        let ours = NormalizationRules.decompile(fresh)
        #expect(ours.count == NormalizationRules.buildNmtNFKC().count)
        var differing: [String] = [], extra: [String] = [], missingKnown: [String] = []
        var missingNew = 0
        for (k, v) in theirs {
            if let o = ours[k] {
                if o != v { differing.append(String(decoding: k, as: UTF8.self)) }
            } else if String(decoding: k, as: UTF8.self).unicodeScalars.contains(where: { ($0.properties.age.map { $0.major > 15 } ?? true) }) {
                missingNew += 1  // characters newer than the ICU on this machine (Unicode 15)
            } else {
                missingKnown.append(String(decoding: k, as: UTF8.self))
            }
        }
        for k in ours.keys where theirs[k] == nil { extra.append(String(decoding: k, as: UTF8.self)) }
        #expect(theirs.count > 200_000)
        #expect(differing.isEmpty, "rules that differ: \(differing.prefix(10))")
        #expect(extra.isEmpty, "rules sentencepiece lacks: \(extra.prefix(10))")
        #expect(missingKnown.isEmpty, "rules we lack: \(missingKnown.prefix(10))")
        #expect(missingNew < 1_000)
    }
}
