/* grow.h - room in an array that grows by appending: the capacity doubles
 * (from a first size), so n appends cost O(n) copying in all.
 * Owns nothing: the caller's array is reallocated in place. */
#ifndef GR_GROW_H
#define GR_GROW_H

#include <stddef.h>

/* The array a (cap elements of elem bytes) with room for at least need:
 * a itself when it has it, else reallocated to the next doubling of cap
 * (first when cap is 0), cap updated. NULL when out of memory, a then
 * still valid and cap unchanged. */
void *gr_grow(void *a, size_t *cap, size_t need, size_t elem, size_t first);

#endif
