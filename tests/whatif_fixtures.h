/* whatif_fixtures.h - fixtures for the what-if tests (engine, suggestions,
 * new paths, commands): a jittered grid town whose layers can be written
 * again with a change (a site, an entrance, a path) for a full rerun, a
 * line town whose best picks are known by construction, and the check
 * that an incremental answer equals a rerun, resident by resident and per
 * row. Coordinates are local metres, offset to BNG (400000, 300000). */
#ifndef GR_WHATIF_FIXTURES_H
#define GR_WHATIF_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include "greenreach/candidates.h"
#include "greenreach/pipeline.h"
#include "greenreach/whatif.h"

/* A deterministic random stream (splitmix64); tests seed wf_rng_state. */
extern uint64_t wf_rng_state;
double wf_rnd(void);
double wf_uniform(double lo, double hi);

/* ---- the grid town ----
 * GN x GN blocks of about 250 m: node (i, j) near (250 i, 250 j), jittered
 * up to 30 m (the same every time). Paths along every row and column of
 * nodes (shared vertices, so they join). Wards A (x < 700), B (700..1400),
 * C (x >= 1400); A and B form neighbourhood "North". Park P1 straddles
 * node (0,0); pitch S1 straddles node (4,4). 240 random residents inside
 * the grid (field no_car: random shares), 5 beyond the snap cap north of it
 * (y = 2300, x = 1550, 1650, .., 1950). */
#define GN 8

typedef struct {
    double x0, y0, x1, y1;      /* a box, or a point when x0 == x1 */
} wf_shape_t;

typedef struct {
    int n_extra_lines;
    const double *line_xy[4];   /* local metres */
    int line_n[4];
    int n_boxes;
    const wf_shape_t *boxes;       /* extra park sites */
    const wf_shape_t *access;      /* an extra park entered at this point */
} wf_change_t;

void wf_node_xy(int i, int j, double *x, double *y);
void wf_shift(double *xy, int n);

/* Writes the grid town into dir, with the change ch (NULL: none). */
void wf_write_grid_town(const char *dir, const wf_change_t *ch);

/* Runs dir's layers (no-car field "no_car"; with_access: dir/access.shp
 * as access points). Asserts success; caller frees. */
gr_run_t *wf_run_dir(const char *dir, bool with_access);

/* Writes candidates <base>.shp: boxes, or points at (x0, y0); ids c0.., all
 * parks. */
void wf_write_candidates(const char *base, const wf_shape_t *c, int n, bool is_point);

/* Asserts that base with the effects applied equals rerun: every
 * resident's distance in every category, exactly, and every row's
 * population within each threshold (North = wards A and B). */
void wf_assert_matches_rerun(const gr_run_t *base, const gr_whatif_t *w,
                             const gr_effect_t *eff, int n_eff, const gr_run_t *rerun);

gr_whatif_t *wf_new_whatif(const gr_run_t *run);
gr_candidates_t *wf_load_candidates(const gr_run_t *run, const char *path);

/* ---- the line town ----
 * A footway along y = 0 from x = 0 to 6000 (vertices every 500 m); park
 * P1 touches its start (entrance at x = 0); one ward W. Residents on the
 * footway (no offset), with no-car shares:
 *   r0 x=500 pop 10 (0.1), A x=2500 pop 100 (0.1), B x=4500 pop 60 (0.1),
 *   C x=5800 pop 30 (0.9).
 * Low-car threshold (area-wide, population-weighted):
 *   (10*.1 + 100*.1 + 60*.1 + 30*.9) / 200 = 0.22, so only C is low-car.
 * Base: only r0 within 20 min (500 m): 10/200 = 5%.
 * Point candidates in dir/cands.shp, on the footway (20 min = 1600 m):
 *   c0 x=3500 covers A (1000) and B (1000): 160
 *   c1 x=2500 covers A (0): 100
 *   c2 x=5000 covers B (500) and C (800): 90
 *   c3 x=5800 covers C (0) and B (1300): 90
 *   c4 (3000, 1000): 1000 m from any path, unreached. */
void wf_write_line_town(const char *dir);

#endif
