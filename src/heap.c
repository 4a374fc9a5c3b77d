#include "greenreach/heap.h"

#include <stdbool.h>
#include <stdlib.h>

static bool before(const gr_heap_item_t *x, const gr_heap_item_t *y)
{
    return x->key < y->key || (x->key == y->key && x->id < y->id);
}

/* Four children per node: half the levels of a binary heap and the
 * children side by side in one cache line, which is what a national search
 * (tens of millions of pops) pays for. The order popped is the same for any
 * arity: (key, id) is a total order and no item is pushed twice. */
#define ARITY 4

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
    while (i > 0 && before(&it, &h->a[(i - 1) / ARITY])) {
        h->a[i] = h->a[(i - 1) / ARITY];
        i = (i - 1) / ARITY;
    }
    h->a[i] = it;
    return 0;
}

gr_heap_item_t gr_heap_pop(gr_heap_t *h)
{
    gr_heap_item_t top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t first = ARITY * i + 1;
        if (first >= h->n)
            break;
        size_t end = first + ARITY < h->n ? first + ARITY : h->n, c = first;
        for (size_t k = first + 1; k < end; k++)
            if (before(&h->a[k], &h->a[c]))
                c = k;
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
