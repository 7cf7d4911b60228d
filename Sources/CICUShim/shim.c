#include "cicu_shim.h"
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/uscript.h>

static const UNormalizer2 *instance(int form, UErrorCode *e) {
    switch (form) {
    case TM_NFC: return unorm2_getNFCInstance(e);
    case TM_NFD: return unorm2_getNFDInstance(e);
    case TM_NFKC: return unorm2_getNFKCInstance(e);
    default: return unorm2_getNFKDInstance(e);
    }
}

int32_t tm_normalize(int form, const uint16_t *src, int32_t len, uint16_t *dst, int32_t cap, int *needed_more) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = instance(form, &e);
    if (U_FAILURE(e)) return -1;
    int32_t out = unorm2_normalize(n, (const UChar *)src, len, (UChar *)dst, cap, &e);
    *needed_more = (e == U_BUFFER_OVERFLOW_ERROR);
    if (U_FAILURE(e) && !*needed_more) return -1;
    return out;
}

int32_t tm_to_lower(const uint16_t *src, int32_t len, uint16_t *dst, int32_t cap, int *needed_more) {
    UErrorCode e = U_ZERO_ERROR;
    int32_t out = u_strToLower((UChar *)dst, cap, (const UChar *)src, len, "", &e);
    *needed_more = (e == U_BUFFER_OVERFLOW_ERROR);
    if (U_FAILURE(e) && !*needed_more) return -1;
    return out;
}

int32_t tm_script(uint32_t cp) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode s = uscript_getScript((UChar32)cp, &status);
    return U_SUCCESS(status) ? (int32_t)s : -1;
}

int32_t tm_nfkd_mapping(uint32_t cp, uint16_t *dst, int32_t cap) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFKDInstance(&status);
    if (U_FAILURE(status)) return -2;
    int32_t len = unorm2_getDecomposition(n, (UChar32)cp, dst, cap, &status);
    if (U_FAILURE(status)) return -2;
    return len;
}
