/* test_graph.c - noding path lines into the CSR walking graph: shared
 * vertices, crossings, gap joins, T-junction splits, zero-length segments,
 * edge lengths and CSR consistency. Every graph is a few lines written out
 * by hand; the expected counts are worked out beside each assertion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "fixtures.h"
#include "greenreach/graph.h"

/* Builds a graph from n_lines lines (counts[i] vertices each, flat xy). */
static gr_graph_t *build(uint32_t n_lines, const uint32_t *counts, const double *xy,
                         double tol_m)
{
    gr_lines_t l = fx_lines(n_lines, counts, xy);
    gr_graph_t *g = NULL;
    gr_error_t err = {0};
    int rc = gr_graph_build(&l, tol_m, &g, &err);
    fx_lines_free(&l);
    if (rc != 0)
        fail_msg("gr_graph_build: %s", err.msg);
    assert_non_null(g);
    return g;
}

static double total_len(const gr_graph_t *g)
{
    double sum = 0.0;
    for (uint32_t e = 0; e < g->n_edges; e++)
        sum += g->edge_len_m[e];
    return sum;
}

/* Two lines meeting at a shared vertex (10,0): an L of 10 m + 10 m. */
static void test_shared_vertex_joins(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2, 2 };
    const double xy[] = { 0, 0, 10, 0,     /* line A */
                          10, 0, 10, 10 }; /* line B starts where A ends */
    gr_graph_t *g = build(2, counts, xy, 1.0);
    assert_int_equal(g->n_nodes, 3);    /* (0,0), (10,0) shared, (10,10) */
    assert_int_equal(g->n_edges, 2);    /* one per segment */
    assert_int_equal(g->stats.components, 1);
    assert_int_equal(g->stats.largest_component, 3);
    assert_int_equal(g->stats.lines_in, 2);
    assert_int_equal(g->stats.vertices_in, 4);
    /* (10,0) is no dangling end (two lines use it); the other two ends
     * are 10 m from the nearest other vertex: nothing to join or split */
    assert_int_equal(g->stats.ends_joined, 0);
    assert_int_equal(g->stats.ends_split, 0);
    /* the shared node (A's second vertex) has degree 2 */
    uint32_t shared = g->edge_v[0];
    assert_near(g->x[shared], 10.0, 0.0);
    assert_near(g->y[shared], 0.0, 0.0);
    assert_int_equal(g->adj_off[shared + 1] - g->adj_off[shared], 2);
    gr_graph_free(g);
}

/* An X: (0,0)-(10,10) crosses (0,10)-(10,0) at (5,5) with no vertex there
 * (a bridge over a path). The ends are 10 m apart and 7.07 m from the other
 * line, so a 1 m tolerance joins nothing. */
static void test_crossing_without_vertex_stays_apart(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2, 2 };
    const double xy[] = { 0, 0, 10, 10,
                          0, 10, 10, 0 };
    gr_graph_t *g = build(2, counts, xy, 1.0);
    assert_int_equal(g->n_nodes, 4);    /* no node at the crossing */
    assert_int_equal(g->n_edges, 2);
    assert_int_equal(g->stats.components, 2);
    assert_int_equal(g->stats.largest_component, 2);
    assert_int_not_equal(g->component[g->edge_u[0]], g->component[g->edge_u[1]]);
    assert_int_equal(g->stats.ends_joined, 0);
    assert_int_equal(g->stats.ends_split, 0);
    gr_graph_free(g);
}

/* A (0,0)-(10,0) and B (10.5,0)-(20,0): a 0.5 m digitising gap. */
static void test_small_end_gap_joins(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2, 2 };
    const double xy[] = { 0, 0, 10, 0,
                          10.5, 0, 20, 0 };
    gr_graph_t *g = build(2, counts, xy, 1.0);
    assert_int_equal(g->n_nodes, 3);    /* 4 vertices, (10,0)+(10.5,0) merged */
    assert_int_equal(g->n_edges, 2);
    assert_int_equal(g->stats.components, 1);
    assert_int_equal(g->stats.largest_component, 3);
    /* both facing ends are dangling and each is merged with the other */
    assert_int_equal(g->stats.ends_joined, 2);
    assert_int_equal(g->stats.ends_split, 0);
    /* the merged node sits at one of the two points, so the two edges
     * are 10 + 10.5 or 10.5 + 9.5: 20 m in total either way */
    assert_near(total_len(g), 20.0, 1e-4);
    gr_graph_free(g);
}

/* The same lines with a 5 m gap: B (15,0)-(25,0) is beyond 1 m. */
static void test_large_end_gap_stays_apart(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2, 2 };
    const double xy[] = { 0, 0, 10, 0,
                          15, 0, 25, 0 };
    gr_graph_t *g = build(2, counts, xy, 1.0);
    assert_int_equal(g->n_nodes, 4);
    assert_int_equal(g->n_edges, 2);
    assert_int_equal(g->stats.components, 2);
    assert_int_equal(g->stats.ends_joined, 0);
    assert_near(total_len(g), 20.0, 1e-4);   /* 10 + 10 */
    gr_graph_free(g);
}

/* T-junction undershoot: A (0,0)-(10,0); B comes down from (5,10) and
 * stops at (5,0.5), 0.5 m short of A's interior at (5,0). */
static const uint32_t t_counts[] = { 2, 2 };
static const double t_xy[] = { 0, 0, 10, 0,
                               5, 10, 5, 0.5 };

static void test_undershoot_splits_segment(void **state)
{
    (void)state;
    gr_graph_t *apart = build(2, t_counts, t_xy, 0.0);
    gr_graph_t *g = build(2, t_counts, t_xy, 1.0);
    assert_int_equal(apart->n_edges, 2);            /* A and B unsplit */
    assert_int_equal(apart->stats.components, 2);
    assert_int_equal(g->n_edges, apart->n_edges + 1); /* A becomes two edges */
    assert_int_equal(g->n_edges, 3);
    assert_int_equal(g->n_nodes, 4);   /* B's end is the new node on A */
    assert_int_equal(g->stats.ends_split, 1);
    assert_int_equal(g->stats.ends_joined, 0);
    assert_int_equal(g->stats.components, 1);
    assert_int_equal(g->stats.largest_component, 4);
    /* A's halves run to B's end (5,0.5): hypot(5, 0.5) = sqrt(25.25) =
     * 5.024938 m each; B is 9.5 m: 19.549876 m in all */
    assert_near(total_len(g), 2.0 * sqrt(25.25) + 9.5, 1e-4);
    /* the split node has degree 3 (two halves of A plus B) */
    uint32_t deg3 = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->adj_off[i + 1] - g->adj_off[i] == 3)
            deg3++;
    assert_int_equal(deg3, 1);
    gr_graph_free(apart);
    gr_graph_free(g);
}

/* The undershooting line again, but its dangling end vertex is digitised
 * twice: (5,10), (5,0.5), (5,0.5). The duplicate is dropped and the end
 * is still dangling, so A is still split there. */
static void test_undershoot_with_repeated_end_vertex_splits(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2, 3 };
    const double xy[] = { 0, 0, 10, 0,
                          5, 10, 5, 0.5, 5, 0.5 };
    gr_graph_t *g = build(2, counts, xy, 1.0);
    assert_int_equal(g->stats.zero_segments, 1);  /* (5,0.5)-(5,0.5) */
    assert_int_equal(g->stats.ends_split, 1);
    assert_int_equal(g->n_edges, 3);              /* A split in two, plus B */
    assert_int_equal(g->stats.components, 1);
    gr_graph_free(g);
}

/* The undershoot again, but B is digitised densely at its end:
 * (5,10), (5,0.9), (5,0.65), (5,0.4). Its end is 0.25 m and 0.5 m from its
 * own previous vertices and 0.4 m from A's interior; it must reach A, not
 * fold onto itself. */
static void test_undershoot_with_dense_end_vertices_splits(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2, 4 };
    const double xy[] = { 0, 0, 10, 0,
                          5, 10, 5, 0.9, 5, 0.65, 5, 0.4 };
    gr_graph_t *g = build(2, counts, xy, 1.0);
    assert_int_equal(g->stats.ends_joined, 0);
    assert_int_equal(g->stats.ends_split, 1);
    assert_int_equal(g->stats.zero_segments, 0);
    assert_int_equal(g->n_nodes, 6);     /* A's 2 + B's 4, B's end on A */
    assert_int_equal(g->n_edges, 5);     /* A in two halves + B's 3 segments */
    assert_int_equal(g->stats.components, 1);
    /* A's halves to (5,0.4): 2 * hypot(5, 0.4) = 2 * sqrt(25.16) = 10.0319;
     * B: 9.1 + 0.25 + 0.25 = 9.6 */
    assert_near(total_len(g), 2.0 * sqrt(25.16) + 9.6, 1e-4);
    gr_graph_free(g);
}

/* A line that goes round a 10 m square and stops 0.5 m short of its own
 * start: (0,0),(10,0),(10,10),(0,10),(0,0.5). Its end has left and come
 * back, so the gap closes into a loop: 4 nodes of degree 2. */
static void test_line_closes_on_itself(void **state)
{
    (void)state;
    const uint32_t counts[] = { 5 };
    const double xy[] = { 0, 0, 10, 0, 10, 10, 0, 10, 0, 0.5 };
    gr_graph_t *g = build(1, counts, xy, 1.0);
    assert_int_equal(g->stats.ends_joined, 2);   /* each end merged with the other */
    assert_int_equal(g->n_nodes, 4);
    assert_int_equal(g->n_edges, 4);
    for (uint32_t i = 0; i < g->n_nodes; i++)
        assert_int_equal(g->adj_off[i + 1] - g->adj_off[i], 2);
    assert_int_equal(g->stats.components, 1);
    gr_graph_free(g);
}

/* A lone 0.5 m line is shorter than the tolerance, but its two ends are
 * each other's neighbours, not gaps: it stays one 0.5 m edge. */
static void test_short_line_not_folded(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2 };
    const double xy[] = { 0, 0, 0.5, 0 };
    gr_graph_t *g = build(1, counts, xy, 1.0);
    assert_int_equal(g->stats.ends_joined, 0);
    assert_int_equal(g->n_nodes, 2);
    assert_int_equal(g->n_edges, 1);
    assert_near(g->edge_len_m[0], 0.5, 1e-6);
    gr_graph_free(g);
}

/* The 0.5 m gap again, with both facing ends digitised twice:
 * A (0,0),(10,0),(10,0) and B (10.5,0),(10.5,0),(20,0). */
static void test_gap_with_repeated_end_vertices_joins(void **state)
{
    (void)state;
    const uint32_t counts[] = { 3, 3 };
    const double xy[] = { 0, 0, 10, 0, 10, 0,
                          10.5, 0, 10.5, 0, 20, 0 };
    gr_graph_t *g = build(2, counts, xy, 1.0);
    assert_int_equal(g->stats.zero_segments, 2);  /* one repeat per line */
    assert_int_equal(g->n_nodes, 3);              /* 4 points, 2 of them merged */
    assert_int_equal(g->n_edges, 2);
    assert_int_equal(g->stats.components, 1);
    gr_graph_free(g);
}

/* Lines with no length carry no segment and no end: an empty line first,
 * then the 0.5 m gap with a one-vertex line between, then a line that
 * stays at (5,0.5), 0.5 m from A's interior, which must not split A. */
static void test_short_lines_ignored(void **state)
{
    (void)state;
    const uint32_t counts[] = { 0, 2, 1, 2, 0, 2 };
    const double xy[] = { 0, 0, 10, 0,
                          50, 50,
                          10.5, 0, 20, 0,
                          5, 0.5, 5, 0.5 };
    gr_graph_t *g = build(6, counts, xy, 1.0);
    assert_int_equal(g->stats.lines_in, 6);
    assert_int_equal(g->stats.vertices_in, 7);    /* 0 + 2 + 1 + 2 + 0 + 2 */
    assert_int_equal(g->stats.zero_segments, 1);  /* (5,0.5)-(5,0.5) */
    assert_int_equal(g->stats.ends_split, 0);
    assert_int_equal(g->n_nodes, 3);              /* (50,50), (5,0.5) on no segment */
    assert_int_equal(g->n_edges, 2);
    assert_int_equal(g->stats.components, 1);
    gr_graph_free(g);
}

/* A zigzag (0,0),(0,0),(3,4),(3,4),(3,4),(6,8): two repeats of (3,4) and
 * one of (0,0) make three zero-length segments, leaving two 5 m edges. */
static void test_duplicate_vertices_dropped(void **state)
{
    (void)state;
    const uint32_t counts[] = { 6 };
    const double xy[] = { 0, 0, 0, 0, 3, 4, 3, 4, 3, 4, 6, 8 };
    gr_graph_t *g = build(1, counts, xy, 1.0);
    assert_int_equal(g->stats.vertices_in, 6);
    assert_int_equal(g->stats.zero_segments, 3);  /* 5 segments, 3 of them empty */
    assert_int_equal(g->n_nodes, 3);
    assert_int_equal(g->n_edges, 2);
    assert_near(g->edge_len_m[0], 5.0, 1e-6);
    assert_near(g->edge_len_m[1], 5.0, 1e-6);
    assert_int_equal(g->stats.components, 1);
    gr_graph_free(g);
}

/* Edge lengths are straight-line lengths: 3-4-5 and 6-8-10 triangles and
 * an axis-parallel 7 m segment, on separate lines. */
static void test_edge_lengths_euclidean(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2, 2, 2 };
    const double xy[] = { 0, 0, 3, 4,                  /* sqrt(9 + 16) = 5 */
                          101, 101, 107, 109,          /* sqrt(36 + 64) = 10 */
                          200, 0, 200, -7 };           /* 7 */
    gr_graph_t *g = build(3, counts, xy, 1.0);
    assert_int_equal(g->n_edges, 3);
    assert_near(g->edge_len_m[0], 5.0, 1e-6);
    assert_near(g->edge_len_m[1], 10.0, 1e-6);
    assert_near(g->edge_len_m[2], 7.0, 1e-6);
    assert_int_equal(g->stats.components, 3);
    gr_graph_free(g);
}

/* A 10 m square with one diagonal, drawn as a ring plus a separate
 * diagonal line: 4 nodes, 5 edges; corners (0,0) and (10,10) have degree 3,
 * the other two degree 2. */
static void test_csr_consistent(void **state)
{
    (void)state;
    const uint32_t counts[] = { 5, 2 };
    const double xy[] = { 0, 0, 10, 0, 10, 10, 0, 10, 0, 0,
                          0, 0, 10, 10 };
    gr_graph_t *g = build(2, counts, xy, 1.0);
    assert_int_equal(g->n_nodes, 4);
    assert_int_equal(g->n_edges, 5);
    assert_int_equal(g->adj_off[0], 0);
    assert_int_equal(g->adj_off[g->n_nodes], 2 * 5);   /* each edge from both ends */
    uint32_t deg2 = 0, deg3 = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        uint32_t d = g->adj_off[i + 1] - g->adj_off[i];
        deg2 += d == 2;
        deg3 += d == 3;
    }
    assert_int_equal(deg2, 2);
    assert_int_equal(deg3, 2);
    /* each edge appears exactly once in u's list (pointing at v) and once
     * in v's list (pointing at u), with its length copied */
    for (uint32_t e = 0; e < g->n_edges; e++) {
        uint32_t u = g->edge_u[e], v = g->edge_v[e], from_u = 0, from_v = 0, seen = 0;
        for (uint32_t i = 0; i < g->n_nodes; i++) {
            for (uint32_t k = g->adj_off[i]; k < g->adj_off[i + 1]; k++) {
                if (g->adj_edge[k] != e)
                    continue;
                seen++;
                assert_near(g->adj_len_m[k], g->edge_len_m[e], 0.0);
                from_u += i == u && g->adj_node[k] == v;
                from_v += i == v && g->adj_node[k] == u;
            }
        }
        assert_int_equal(seen, 2);
        assert_int_equal(from_u, 1);
        assert_int_equal(from_v, 1);
    }
    /* 4 sides of 10 m and a diagonal of 10*sqrt(2) = 14.142136 m */
    assert_near(total_len(g), 40.0 + 10.0 * sqrt(2.0), 1e-4);
    gr_graph_free(g);
}

/* With tolerance 0 neither the 0.5 m gap nor the 0.5 m undershoot is
 * closed. */
static void test_zero_tolerance_disables_joins(void **state)
{
    (void)state;
    const uint32_t counts[] = { 2, 2 };
    const double gap_xy[] = { 0, 0, 10, 0,
                              10.5, 0, 20, 0 };
    gr_graph_t *g = build(2, counts, gap_xy, 0.0);
    assert_int_equal(g->n_nodes, 4);
    assert_int_equal(g->stats.components, 2);
    assert_int_equal(g->stats.ends_joined, 0);
    gr_graph_free(g);

    g = build(2, t_counts, t_xy, 0.0);
    assert_int_equal(g->n_edges, 2);
    assert_int_equal(g->stats.components, 2);
    assert_int_equal(g->stats.ends_split, 0);
    gr_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_vertex_joins),
        cmocka_unit_test(test_crossing_without_vertex_stays_apart),
        cmocka_unit_test(test_small_end_gap_joins),
        cmocka_unit_test(test_large_end_gap_stays_apart),
        cmocka_unit_test(test_undershoot_splits_segment),
        cmocka_unit_test(test_undershoot_with_repeated_end_vertex_splits),
        cmocka_unit_test(test_undershoot_with_dense_end_vertices_splits),
        cmocka_unit_test(test_line_closes_on_itself),
        cmocka_unit_test(test_short_line_not_folded),
        cmocka_unit_test(test_gap_with_repeated_end_vertices_joins),
        cmocka_unit_test(test_short_lines_ignored),
        cmocka_unit_test(test_duplicate_vertices_dropped),
        cmocka_unit_test(test_edge_lengths_euclidean),
        cmocka_unit_test(test_csr_consistent),
        cmocka_unit_test(test_zero_tolerance_disables_joins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
