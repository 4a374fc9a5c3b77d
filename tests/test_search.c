/* test_search.c - multi-source Dijkstra over small hand-made graphs: node
 * distances and sites, the cut-off, sources part-way along an edge, gate
 * offsets, and distances to points on edges (through either end, or along
 * the edge to a source on it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "fixtures.h"
#include "greenreach/graph.h"
#include "greenreach/search.h"

#define assert_inf(a) assert_true(isinf(a) && (a) > 0)

static gr_graph_t *build(uint32_t n_lines, const uint32_t *counts, const double *xy)
{
    gr_lines_t l = fx_lines(n_lines, counts, xy);
    gr_graph_t *g = NULL;
    gr_error_t err = {0};
    int rc = gr_graph_build(&l, 0.0, &g, &err);
    fx_lines_free(&l);
    if (rc != 0)
        fail_msg("gr_graph_build: %s", err.msg);
    return g;
}

static gr_field_t *search(const gr_graph_t *g, const gr_source_t *src, uint32_t n_src,
                          float cutoff_m)
{
    gr_field_t *f = NULL;
    gr_error_t err = {0};
    if (gr_search_multi_source(g, src, n_src, cutoff_m, &f, &err) != 0)
        fail_msg("gr_search_multi_source: %s", err.msg);
    return f;
}

/* Setup helper: hands g to the test when it has the expected shape. */
static int keep_graph(void **state, gr_graph_t *g, int is_expected)
{
    if (!is_expected) {
        gr_graph_free(g);
        return -1;
    }
    *state = g;
    return 0;
}

/* ---- a straight path: nodes at x = 0, 100, 200, 300 ---- */

static int path_setup(void **state)
{
    const uint32_t counts[] = { 4 };
    const double xy[] = { 0, 0, 100, 0, 200, 0, 300, 0 };
    gr_graph_t *g = build(1, counts, xy);
    /* nodes are numbered in order of first use and edge i runs from node i
     * to node i + 1, so the tests can name them directly */
    int ok = g && g->n_nodes == 4 && g->n_edges == 3;
    for (uint32_t i = 0; ok && i < 3; i++)
        ok = g->edge_u[i] == i && g->edge_v[i] == i + 1 && g->x[i] == 100.0 * i;
    return keep_graph(state, g, ok);
}

static int graph_teardown(void **state)
{
    gr_graph_free(*state);
    return 0;
}

static void test_single_source_distances(void **state)
{
    const gr_graph_t *g = *state;
    const gr_source_t src[] = { { .edge = 0, .pos_m = 0, .init_m = 0, .site = 7 } };
    gr_field_t *f = search(g, src, 1, 1000.0f);
    /* node 0 is the source; then 100 m per edge */
    assert_near(f->dist_m[0], 0.0, 0.0);
    assert_near(f->dist_m[1], 100.0, 1e-4);
    assert_near(f->dist_m[2], 200.0, 1e-4);
    assert_near(f->dist_m[3], 300.0, 1e-4);
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(f->site[i], 7);
    gr_field_free(f);
}

static void test_cutoff(void **state)
{
    const gr_graph_t *g = *state;
    const gr_source_t src[] = { { .edge = 0, .pos_m = 0, .init_m = 0, .site = 7 } };
    gr_field_t *f = search(g, src, 1, 250.0f);
    assert_near(f->dist_m[2], 200.0, 1e-4);   /* 200 <= 250 */
    assert_inf(f->dist_m[3]);                 /* 300 > 250 */
    assert_int_equal(f->site[2], 7);
    assert_int_equal(f->site[3], GR_NONE);
    gr_field_free(f);
}

static void test_two_sources_nearer_site(void **state)
{
    const gr_graph_t *g = *state;
    /* site 1 at node 0, site 2 at node 3 (end of edge 2, pos 100), listed
     * in reverse edge order */
    const gr_source_t src[] = { { .edge = 2, .pos_m = 100, .init_m = 0, .site = 2 },
                                { .edge = 0, .pos_m = 0, .init_m = 0, .site = 1 } };
    gr_field_t *f = search(g, src, 2, 1000.0f);
    /* node 1: 100 from site 1, 200 from site 2; node 2: 200 vs 100 */
    assert_near(f->dist_m[0], 0.0, 0.0);
    assert_near(f->dist_m[1], 100.0, 1e-4);
    assert_near(f->dist_m[2], 100.0, 1e-4);
    assert_near(f->dist_m[3], 0.0, 0.0);
    assert_int_equal(f->site[0], 1);
    assert_int_equal(f->site[1], 1);
    assert_int_equal(f->site[2], 2);
    assert_int_equal(f->site[3], 2);
    gr_field_free(f);
}

static void test_source_mid_edge(void **state)
{
    const gr_graph_t *g = *state;
    /* 30 m along edge 1 (node 1 -> node 2, 100 m) */
    const gr_source_t src[] = { { .edge = 1, .pos_m = 30, .init_m = 0, .site = 4 } };
    gr_field_t *f = search(g, src, 1, 1000.0f);
    assert_near(f->dist_m[1], 30.0, 1e-4);    /* back to edge 1's start */
    assert_near(f->dist_m[2], 70.0, 1e-4);    /* 100 - 30 on to its end */
    assert_near(f->dist_m[0], 130.0, 1e-4);   /* 30 + 100 */
    assert_near(f->dist_m[3], 170.0, 1e-4);   /* 70 + 100 */
    gr_field_free(f);
}

static void test_init_offset_adds(void **state)
{
    const gr_graph_t *g = *state;
    /* the same source behind a gate 25 m from the path */
    const gr_source_t src[] = { { .edge = 1, .pos_m = 30, .init_m = 25, .site = 4 } };
    gr_field_t *f = search(g, src, 1, 160.0f);
    assert_near(f->dist_m[1], 55.0, 1e-4);    /* 25 + 30 */
    assert_near(f->dist_m[2], 95.0, 1e-4);    /* 25 + 70 */
    assert_near(f->dist_m[0], 155.0, 1e-4);   /* 25 + 130, within 160 */
    assert_inf(f->dist_m[3]);                 /* 25 + 170 = 195 > 160 */
    gr_field_free(f);
}

static void test_point_through_either_end(void **state)
{
    const gr_graph_t *g = *state;
    const gr_source_t src[] = { { .edge = 0, .pos_m = 0, .init_m = 0, .site = 1 },
                                { .edge = 2, .pos_m = 100, .init_m = 0, .site = 2 } };
    gr_field_t *f = search(g, src, 2, 1000.0f);
    uint32_t site = 0;
    /* 40 m along edge 1: via node 1, 100 + 40 = 140 (site 1); via node 2,
     * 100 + 60 = 160 (site 2) */
    assert_near(gr_field_point_dist(f, 1, 40.0f, &site), 140.0, 1e-4);
    assert_int_equal(site, 1);
    /* 70 m along: via node 1, 170; via node 2, 100 + 30 = 130 (site 2) */
    assert_near(gr_field_point_dist(f, 1, 70.0f, &site), 130.0, 1e-4);
    assert_int_equal(site, 2);
    /* 25 m along edge 0, where site 1 sits at pos 0: 25 directly */
    assert_near(gr_field_point_dist(f, 0, 25.0f, &site), 25.0, 1e-4);
    assert_int_equal(site, 1);
    /* site may be NULL */
    assert_near(gr_field_point_dist(f, 1, 40.0f, NULL), 140.0, 1e-4);
    gr_field_free(f);
}

static void test_point_beyond_cutoff(void **state)
{
    const gr_graph_t *g = *state;
    const gr_source_t src[] = { { .edge = 0, .pos_m = 0, .init_m = 0, .site = 1 } };
    gr_field_t *f = search(g, src, 1, 120.0f);
    uint32_t site = 0;
    /* 30 m along edge 1: node 1 is at 100 (within), but 100 + 30 = 130 >
     * 120, and node 2 (200) is beyond the cut-off */
    assert_inf(gr_field_point_dist(f, 1, 30.0f, &site));
    assert_int_equal(site, GR_NONE);
    /* 20 m along edge 1: 120, exactly the cut-off, is within */
    assert_near(gr_field_point_dist(f, 1, 20.0f, &site), 120.0, 1e-4);
    assert_int_equal(site, 1);
    /* edge 2 has both ends out of reach */
    site = 0;
    assert_inf(gr_field_point_dist(f, 2, 50.0f, &site));
    assert_int_equal(site, GR_NONE);
    gr_field_free(f);
}

/* ---- one 100 m edge ---- */

static int edge_setup(void **state)
{
    const uint32_t counts[] = { 2 };
    const double xy[] = { 0, 0, 100, 0 };
    gr_graph_t *g = build(1, counts, xy);
    return keep_graph(state, g, g && g->n_edges == 1 && g->x[g->edge_u[0]] == 0.0);
}

static void test_point_same_edge_direct(void **state)
{
    const gr_graph_t *g = *state;
    const gr_source_t src[] = { { .edge = 0, .pos_m = 10, .init_m = 0, .site = 3 } };
    gr_field_t *f = search(g, src, 1, 1000.0f);
    uint32_t site = 0;
    /* source at 10, point at 12: |12 - 10| = 2 directly, not 10 + 12 = 22
     * through node u nor 90 + 88 = 178 through node v */
    assert_near(gr_field_point_dist(f, 0, 12.0f, &site), 2.0, 1e-4);
    assert_int_equal(site, 3);
    /* point at 5, behind the source: |5 - 10| = 5 (via u: 10 + 5 = 15) */
    assert_near(gr_field_point_dist(f, 0, 5.0f, &site), 5.0, 1e-4);
    /* the point on the source: 0 */
    assert_near(gr_field_point_dist(f, 0, 10.0f, &site), 0.0, 1e-6);
    gr_field_free(f);
}

static void test_point_same_edge_with_gate(void **state)
{
    const gr_graph_t *g = *state;
    /* site 3 at pos 10 behind a 4 m gate; site 5 at pos 90 behind 30 m */
    const gr_source_t src[] = { { .edge = 0, .pos_m = 90, .init_m = 30, .site = 5 },
                                { .edge = 0, .pos_m = 10, .init_m = 4, .site = 3 } };
    gr_field_t *f = search(g, src, 2, 1000.0f);
    uint32_t site = 0;
    /* point at 12: 4 + 2 = 6 (site 3) vs 30 + 78 = 108 (site 5) */
    assert_near(gr_field_point_dist(f, 0, 12.0f, &site), 6.0, 1e-4);
    assert_int_equal(site, 3);
    /* point at 70: 4 + 60 = 64 (site 3) vs 30 + 20 = 50 (site 5) */
    assert_near(gr_field_point_dist(f, 0, 70.0f, &site), 50.0, 1e-4);
    assert_int_equal(site, 5);
    /* node v (pos 100): 30 + 10 = 40 from site 5 vs 4 + 90 = 94 */
    assert_near(f->dist_m[g->edge_v[0]], 40.0, 1e-4);
    assert_int_equal(f->site[g->edge_v[0]], 5);
    gr_field_free(f);
}

/* ---- a 3 x 3 grid, 100 m spacing: Dijkstra over a real choice ---- */

static int grid_setup(void **state)
{
    const uint32_t counts[] = { 3, 3, 3, 3, 3, 3 };
    const double xy[] = { 0, 0, 100, 0, 200, 0,         /* rows */
                          0, 100, 100, 100, 200, 100,
                          0, 200, 100, 200, 200, 200,
                          0, 0, 0, 100, 0, 200,         /* columns */
                          100, 0, 100, 100, 100, 200,
                          200, 0, 200, 100, 200, 200 };
    gr_graph_t *g = build(6, counts, xy);
    return keep_graph(state, g, g && g->n_nodes == 9 && g->n_edges == 12);
}

static uint32_t node_at(const gr_graph_t *g, double x, double y)
{
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->x[i] == x && g->y[i] == y)
            return i;
    fail_msg("no node at (%g, %g)", x, y);
    return GR_NONE;
}

static void test_grid_two_sources(void **state)
{
    const gr_graph_t *g = *state;
    /* site 1 at (0,0) (edge 0 runs from it); site 2 at (200,200) behind a
     * 50 m gate: edge 5 is (100,200)-(200,200), pos 100 is (200,200) */
    assert_near(g->x[g->edge_u[0]], 0.0, 0.0);
    assert_near(g->x[g->edge_v[5]], 200.0, 0.0);
    assert_near(g->y[g->edge_v[5]], 200.0, 0.0);
    const gr_source_t src[] = { { .edge = 0, .pos_m = 0, .init_m = 0, .site = 1 },
                                { .edge = 5, .pos_m = 100, .init_m = 50, .site = 2 } };
    gr_field_t *f = search(g, src, 2, 1000.0f);
    /* distances are Manhattan: from site 1 (x + y), from site 2
     * 50 + (400 - x - y); the smaller wins */
    static const struct { double x, y, d; uint32_t site; } want[] = {
        { 0, 0, 0, 1 },       { 100, 0, 100, 1 },   { 200, 0, 200, 1 },  /* 200 vs 250 */
        { 0, 100, 100, 1 },   { 100, 100, 200, 1 }, /* 200 vs 250 */
        { 200, 100, 150, 2 }, /* 300 vs 150 */
        { 0, 200, 200, 1 },   { 100, 200, 150, 2 }, { 200, 200, 50, 2 },
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        uint32_t i = node_at(g, want[k].x, want[k].y);
        assert_near(f->dist_m[i], want[k].d, 1e-4);
        assert_int_equal(f->site[i], want[k].site);
    }
    gr_field_free(f);
}

static void test_no_sources(void **state)
{
    const gr_graph_t *g = *state;
    gr_field_t *f = search(g, NULL, 0, 1000.0f);
    uint32_t site = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        assert_inf(f->dist_m[i]);
        assert_int_equal(f->site[i], GR_NONE);
    }
    assert_inf(gr_field_point_dist(f, 0, 50.0f, &site));
    assert_int_equal(site, GR_NONE);
    gr_field_free(f);
    gr_field_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_source_distances, path_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_cutoff, path_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_two_sources_nearer_site, path_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_source_mid_edge, path_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_init_offset_adds, path_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_point_through_either_end, path_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_point_beyond_cutoff, path_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_point_same_edge_direct, edge_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_point_same_edge_with_gate, edge_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_grid_two_sources, grid_setup, graph_teardown),
        cmocka_unit_test_setup_teardown(test_no_sources, grid_setup, graph_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
