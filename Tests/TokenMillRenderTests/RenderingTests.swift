import Foundation
import Testing
@testable import TokenMillRender

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.path

@Suite struct RenderingTests {
    static let latinAndCJK = """
    Question: What does the package manager do? — The Debian package manager, dpkg, installs, removes and \
    queries packages; APT resolves their dependencies and downloads them from the configured repositories. \
    Ελληνικά, русский текст, and a very long token: \(String(repeating: "supercalifragilistic", count: 8)).
    日本語のテキストも正しく折り返されます。中文文本也能正确换行，不会超出页边距。한국어 문장도 표시됩니다。
    """

    @Test func renderingIsDeterministicAndPagesHaveTheResolutionsWidth() throws {
        for resolution in Resolution.allCases {
            let a = PageRenderer(resolution: resolution).render(Self.latinAndCJK)
            let b = PageRenderer(resolution: resolution).render(Self.latinAndCJK)
            #expect(a.png == b.png, "\(resolution): two renders differ")
            #expect(a.width == resolution.width)
            // The PNG header says the same width and height (IHDR at byte 16).
            let w = a.png[16..<20].reduce(0) { $0 << 8 | Int($1) }, h = a.png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(w == resolution.width && h == a.height)
            #expect(a.png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(!a.truncated)
        }
    }

    @Test func heightFollowsTheLayoutAndLongTextIsMarkedTruncated() {
        let r = PageRenderer(resolution: .base, maxHeight: 3000)
        let short = r.render("one line")
        let longer = r.render(String(repeating: "Many words fill many lines. ", count: 200))
        #expect(short.height < 100)
        #expect(longer.height > short.height * 5)
        let huge = r.render(String(repeating: "Many words fill many lines. ", count: 2000))
        #expect(huge.truncated && huge.height <= 3000)
    }

    /// The page looked at by eye (docs/images/render-sample-gundam.png): Latin, Greek, Cyrillic
    /// and CJK, wrapped inside the margins.
    @Test func theSamplePageInDocsIsWhatTheRendererMakes() throws {
        let page = PageRenderer(resolution: .gundam).render(Self.latinAndCJK)
        let path = repositoryRoot + "/docs/images/render-sample-gundam.png"
        if ProcessInfo.processInfo.environment["TOKENMILL_WRITE_SAMPLE_PAGE"] != nil {
            try Data(page.png).write(to: URL(fileURLWithPath: path))
        }
        #expect(FileManager.default.contents(atPath: path) == Data(page.png))
    }
}
