/* heap.h - a min-heap (4-ary) of (key, id) pairs, smaller key first and on
 * equal keys the smaller id, so every order it gives is reproducible.
 * Used lazily: an id may be pushed again with a better key and its stale
 * entries skipped by the caller when popped.
 * Owns: its array (gr_heap_free). Needs nothing. */
#ifndef GR_HEAP_H
#define GR_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double key;
    uint32_t id;
} gr_heap_item_t;

typedef struct {
    gr_heap_item_t *a;
    size_t n, cap;
} gr_heap_t;

/* Returns -1 when out of memory (the heap is unchanged). */
int gr_heap_push(gr_heap_t *h, double key, uint32_t id);

/* The smallest item, removed; the heap must not be empty. */
gr_heap_item_t gr_heap_pop(gr_heap_t *h);

/* Frees the array (the struct itself is the caller's). */
void gr_heap_free(gr_heap_t *h);

#endif
