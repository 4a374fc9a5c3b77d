#include "greenreach/grow.h"

#include <stdint.h>
#include <stdlib.h>

void *gr_grow(void *a, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap && a)
        return a;
    size_t c = *cap ? *cap : first;
    while (c < need)
        c *= 2;
    if (c > SIZE_MAX / elem)
        return NULL;
    void *b = realloc(a, c * elem);
    if (b)
        *cap = c;
    return b;
}
