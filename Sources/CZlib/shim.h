#include <zlib.h>
/* zlib hides inflateInit2 behind a macro that Swift cannot call; expose it as a function. */
static inline int tm_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
static inline int tm_deflateInit2(z_streamp strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
