/* parallel.h - runs independent tasks on the machine's cores (POSIX
 * threads): one search per site category, chunks of residents to snap.
 * Owns: nothing; threads live only for the call. Needs: nothing.
 *
 * Tasks must not share mutable state; each writes only its own outputs,
 * so results are the same as running them in order, whatever the number
 * of threads. */
#ifndef GR_PARALLEL_H
#define GR_PARALLEL_H

#include <stdint.h>

/* One task; returns 0, or non-zero on failure. */
typedef int (*gr_task_fn)(void *ctx, uint32_t task);

/* Threads to use: GR_THREADS from the environment when set (1 = serial),
 * else the online cores, at most 64. */
int gr_parallel_threads(void);

/* Runs fn(ctx, 0) .. fn(ctx, n - 1) on up to gr_parallel_threads()
 * threads, each task exactly once (tasks after a failure still run).
 * Returns 0 when all succeeded, else the return value of the failed task
 * with the lowest index. Falls back to running in the calling thread when
 * a thread cannot be started. */
int gr_parallel_for(uint32_t n, gr_task_fn fn, void *ctx);

#endif
