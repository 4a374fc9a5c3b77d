/* fuzz_names.c - field-value normalisation (gr_normalise_function) and list
 * lookup (gr_list_contains), which every site function, play class and
 * highway value read from the data goes through. Input: a list, a NUL byte,
 * then an item; the first byte also picks the output buffer size.
 * Properties checked: the output fits the buffer, holds only [a-z0-9_]
 * with no leading, trailing or doubled '_', normalising twice changes
 * nothing, and a value is found in a one-entry list made of itself. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/config.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void check_normalised(const char *out, size_t n)
{
    size_t len = strlen(out);
    CHECK(len < n);
    for (size_t i = 0; i < len; i++) {
        char c = out[i];
        CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
        if (c == '_')
            CHECK(i > 0 && i + 1 < len && out[i + 1] != '_');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4 * GR_LIST_MAX)
        return 0;
    size_t n = (size_t)(data[0] % 48);   /* 0..47, around GR_NAME_MAX's use */
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    const char *list = text;
    size_t list_len = strlen(list);
    const char *item = list_len + 1 < size - 1 ? text + list_len + 1 : "";

    char out[64], again[64];
    memset(out, 'X', sizeof out);
    gr_normalise_function(item, out, n);
    if (n > 0) {
        check_normalised(out, n);
        gr_normalise_function(out, again, n);
        CHECK(strcmp(out, again) == 0);
    }
    char big[GR_LIST_MAX];
    gr_normalise_function(item, big, sizeof big);
    check_normalised(big, sizeof big);
    gr_list_contains(list, big);
    /* an item is in the list made of itself, when it fits a list entry */
    if (big[0] && strlen(item) < GR_LIST_MAX && !strchr(item, ','))
        CHECK(gr_list_contains(item, big));
    free(text);
    return 0;
}
