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

#endif
