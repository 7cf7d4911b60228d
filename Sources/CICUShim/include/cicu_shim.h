/* A narrow C interface to ICU's normalization and case mapping. ICU's own headers stay inside
   shim.c: exposing them to Swift would clash with the ICU copy that Foundation bundles. */
#ifndef CICU_SHIM_H
#define CICU_SHIM_H
#include <stdint.h>

enum { TM_NFC = 0, TM_NFD = 1, TM_NFKC = 2, TM_NFKD = 3 };

/* Normalizes UTF-16 `src` into `dst`. Returns the length; sets *needed_more when `cap` was too
   small (the return value is then the length needed); returns -1 on another ICU error. */
int32_t tm_normalize(int form, const uint16_t *src, int32_t len, uint16_t *dst, int32_t cap, int *needed_more);

/* Full lowercase mapping (root locale), same conventions. */
int32_t tm_to_lower(const uint16_t *src, int32_t len, uint16_t *dst, int32_t cap, int *needed_more);

/* ICU script code of a code point (USCRIPT_COMMON = 0, USCRIPT_INHERITED = 1, HAN = 17,
   HIRAGANA = 20, KATAKANA = 22), or -1. */
int32_t tm_script(uint32_t cp);

/* The full NFKD decomposition of one code point (UTF-16, into dst), or -1 when it has none (it
   is its own NFKD form); -2 on an ICU error. Much faster than normalizing a string. */
int32_t tm_nfkd_mapping(uint32_t cp, uint16_t *dst, int32_t cap);

#endif
