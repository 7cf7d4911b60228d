import CPangoCairo

/// Renders text to a PNG page with Pango (wrapping, shaping, font fallback) and Cairo.
///
/// * Width: the resolution's; margins `width / 32` on every side; the font "DejaVu Sans" at
///   `width / 62.5` pixels (25.6 px at gundam), falling back to "WenQuanYi Micro Hei" for CJK
///   (both Debian packages; `make` installs them).
/// * Height: the real layout's height plus the margins. A page taller than `maxHeight` is cut at
///   the last whole line that fits, its end marked with an ellipsis, and reported `truncated`.
/// * Deterministic: grey antialiasing, no hinting, no hint metrics, one font map per renderer,
///   and PNG bytes from Cairo (no timestamps), so the same text gives the same bytes.
///
/// One renderer per thread.
public final class PageRenderer {
    public static let fontFamily = "DejaVu Sans, WenQuanYi Micro Hei"
    public let resolution: Resolution
    public let maxHeight: Int
    private let fontMap: UnsafeMutablePointer<PangoFontMap>
    private let context: OpaquePointer
    private let font: OpaquePointer

    public struct Page: Sendable {
        public var png: [UInt8]
        public var width: Int
        public var height: Int
        public var truncated: Bool
    }

    public init(resolution: Resolution, maxHeight: Int = 16_000) {
        self.resolution = resolution
        self.maxHeight = maxHeight
        fontMap = pango_cairo_font_map_new()!
        context = pango_font_map_create_context(fontMap)!
        let options = cairo_font_options_create()
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        pango_cairo_context_set_font_options(context, options)
        cairo_font_options_destroy(options)
        font = pango_font_description_from_string(Self.fontFamily)!
        pango_font_description_set_absolute_size(font, resolution.fontPixels * Double(PANGO_SCALE))
    }

    deinit {
        pango_font_description_free(font)
        g_object_unref(UnsafeMutableRawPointer(context))
        g_object_unref(fontMap)
    }

    /// The page of `text`.
    public func render(_ text: String) -> Page {
        let width = resolution.width, margin = resolution.margin
        let layout = pango_layout_new(context)!
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        pango_layout_set_font_description(layout, font)
        pango_layout_set_width(layout, Int32((width - 2 * margin)) * PANGO_SCALE)
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        text.withCString { pango_layout_set_text(layout, $0, -1) }
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_pixel_size(layout, &w, &h)
        var truncated = false
        if Int(h) + 2 * margin > maxHeight {
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
            pango_layout_set_height(layout, Int32(maxHeight - 2 * margin) * PANGO_SCALE)
            pango_layout_get_pixel_size(layout, &w, &h)
            truncated = true
        }
        let height = max(Int(h) + 2 * margin, 2 * margin + 1)
        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))!
        defer { cairo_surface_destroy(surface) }
        let cr = cairo_create(surface)!
        defer { cairo_destroy(cr) }
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_move_to(cr, Double(margin), Double(margin))
        pango_cairo_update_context(cr, context)
        pango_layout_context_changed(layout)
        pango_cairo_show_layout(cr, layout)
        cairo_surface_flush(surface)
        let sink = PNGSink()
        _ = cairo_surface_write_to_png_stream(surface, { closure, data, length in
            let sink = Unmanaged<PNGSink>.fromOpaque(closure!).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(sink).toOpaque())
        return Page(png: sink.bytes, width: width, height: height, truncated: truncated)
    }
}

/// Collects the PNG bytes Cairo writes.
private final class PNGSink {
    var bytes: [UInt8] = []
}
