#include "greenreach/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 64

int gr_parallel_threads(void)
{
    const char *env = getenv("GR_THREADS");
    long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

typedef struct {
    gr_task_fn fn;
    void *ctx;
    uint32_t n;
    atomic_uint next;
    atomic_uint first_failed;   /* lowest failing task, n if none */
    int *rc;                    /* per task */
} pool_t;

static void *worker(void *arg)
{
    pool_t *p = arg;
    for (;;) {
        unsigned t = atomic_fetch_add(&p->next, 1u);
        if (t >= p->n)
            return NULL;
        p->rc[t] = p->fn(p->ctx, t);
        if (p->rc[t]) {
            unsigned cur = atomic_load(&p->first_failed);
            while (t < cur && !atomic_compare_exchange_weak(&p->first_failed, &cur, t))
                ;
        }
    }
}

int gr_parallel_for(uint32_t n, gr_task_fn fn, void *ctx)
{
    if (n == 0)
        return 0;
    pool_t p = { .fn = fn, .ctx = ctx, .n = n };
    atomic_init(&p.next, 0u);
    atomic_init(&p.first_failed, n);
    p.rc = calloc(n, sizeof *p.rc);
    if (!p.rc) {   /* no room for bookkeeping: run in order */
        int rc = 0;
        for (uint32_t t = 0; t < n; t++) {
            int r = fn(ctx, t);
            rc = rc ? rc : r;
        }
        return rc;
    }
    int n_threads = gr_parallel_threads();
    if ((uint32_t)n_threads > n)
        n_threads = (int)n;
    pthread_t tid[MAX_THREADS];
    int started = 0;
    for (int i = 1; i < n_threads; i++, started++)
        if (pthread_create(&tid[started], NULL, worker, &p) != 0)
            break;
    worker(&p);   /* the calling thread works too */
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    unsigned f = atomic_load(&p.first_failed);
    int rc = f < n ? p.rc[f] : 0;
    free(p.rc);
    return rc;
}
