#include "greenreach/heap.h"

#include <stdbool.h>
#include <stdlib.h>

static bool before(const gr_heap_item_t *x, const gr_heap_item_t *y)
{
    return x->key < y->key || (x->key == y->key && x->id < y->id);
}

int gr_heap_push(gr_heap_t *h, double key, uint32_t id)
{
    if (h->n == h->cap) {
        size_t c = h->cap ? 2 * h->cap : 1024;
        gr_heap_item_t *a = realloc(h->a, c * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = c;
    }
    gr_heap_item_t it = { key, id };
    size_t i = h->n++;
    while (i > 0 && before(&it, &h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = it;
    return 0;
}

gr_heap_item_t gr_heap_pop(gr_heap_t *h)
{
    gr_heap_item_t top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(&h->a[c + 1], &h->a[c]))
            c++;
        if (!before(&h->a[c], &last))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n > 0)
        h->a[i] = last;
    return top;
}

void gr_heap_free(gr_heap_t *h)
{
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}
