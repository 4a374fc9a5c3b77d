/* test_parallel.c - tasks shared out over threads: every task runs exactly
 * once whatever the thread count, and a failure reports the failing task
 * with the lowest index. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdlib.h>

#include "greenreach/parallel.h"

#define N_TASKS 1000

typedef struct {
    uint64_t out[N_TASKS];
    atomic_uint runs[N_TASKS];
    uint32_t fail_a, fail_b;   /* tasks that fail with -(index + 1) */
} job_t;

static int task(void *ctx, uint32_t i)
{
    job_t *j = ctx;
    atomic_fetch_add(&j->runs[i], 1u);
    j->out[i] = (uint64_t)i * i;
    return (i == j->fail_a || i == j->fail_b) ? -(int)(i + 1) : 0;
}

static void run_with(const char *threads)
{
    setenv("GR_THREADS", threads, 1);
    job_t *j = calloc(1, sizeof *j);
    assert_non_null(j);
    j->fail_a = j->fail_b = UINT32_MAX;
    assert_int_equal(gr_parallel_for(N_TASKS, task, j), 0);
    for (uint32_t i = 0; i < N_TASKS; i++) {
        assert_int_equal(atomic_load(&j->runs[i]), 1);
        assert_int_equal(j->out[i], (uint64_t)i * i);
    }
    /* tasks 700 and 42 fail: the lower, 42, is reported as -43, and the
     * tasks after it still ran */
    job_t *k = calloc(1, sizeof *k);
    k->fail_a = 700;
    k->fail_b = 42;
    assert_int_equal(gr_parallel_for(N_TASKS, task, k), -43);
    assert_int_equal(atomic_load(&k->runs[999]), 1);
    free(j);
    free(k);
}

static void test_serial(void **state)
{
    (void)state;
    run_with("1");
    assert_int_equal(gr_parallel_threads(), 1);
}

static void test_threads(void **state)
{
    (void)state;
    run_with("4");
    assert_int_equal(gr_parallel_threads(), 4);
}

static void test_no_tasks(void **state)
{
    (void)state;
    assert_int_equal(gr_parallel_for(0, task, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_no_tasks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
