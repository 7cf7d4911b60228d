import Foundation
import Testing
import CPangoCairo
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

    /// The bounding box of the non-white pixels of a PNG (decoded by Cairo).
    static func ink(_ png: [UInt8]) -> (minX: Int, maxX: Int, minY: Int, maxY: Int)? {
        final class Source { var bytes: [UInt8]; var at = 0; init(_ b: [UInt8]) { bytes = b } }
        let source = Source(png)
        let surface = cairo_image_surface_create_from_png_stream({ closure, data, length in
            let s = Unmanaged<Source>.fromOpaque(closure!).takeUnretainedValue()
            guard s.at + Int(length) <= s.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            for i in 0..<Int(length) { data![i] = s.bytes[s.at + i] }
            s.at += Int(length)
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(source).toOpaque())!
        defer { cairo_surface_destroy(surface) }
        let w = Int(cairo_image_surface_get_width(surface)), h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { return nil }
        var box: (minX: Int, maxX: Int, minY: Int, maxY: Int)?
        for y in 0..<h {
            for x in 0..<w {
                let p = data.advanced(by: y * stride + 4 * x).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee } & 0xFFFFFF
                guard p != 0xFFFFFF else { continue }
                box = (min(box?.minX ?? x, x), max(box?.maxX ?? x, x), min(box?.minY ?? y, y), max(box?.maxY ?? y, y))
            }
        }
        return box
    }

    /// Text stays inside the margins at every resolution, Latin and CJK alike.
    @Test func inkStaysInsideTheMargins() throws {
        for resolution in Resolution.allCases {
            for text in [Self.latinAndCJK, String(repeating: "中文文本也能正确换行，不会超出页边距。", count: 20)] {
                let page = PageRenderer(resolution: resolution).render(text)
                let box = try #require(Self.ink(page.png))
                let m = resolution.margin
                #expect(box.minX >= m - 2 && box.maxX <= resolution.width - m + 1, "\(resolution): ink \(box.minX)...\(box.maxX) outside margins \(m)")
                #expect(box.minY >= m - 2 && box.maxY <= page.height - m + 1, "\(resolution): ink rows \(box.minY)...\(box.maxY) of \(page.height)")
                #expect(box.maxX - box.minX > (resolution.width - 2 * m) * 3 / 4, "\(resolution): the text does not fill the line width")
            }
        }
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
