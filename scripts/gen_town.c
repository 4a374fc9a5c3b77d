/* gr_gen_town - writes a synthetic town with every input layer greenreach
 * reads, for benchmarks and scale tests. Bulk data is generated, never
 * committed.
 *
 *   gr_gen_town --seed S --edges N --residents M --out DIR
 *
 * Output (EPSG:27700 shapefiles with .prj, in DIR): paths, greenspaces,
 * residents, wards, water (rivers, for maps only), town.ini (every
 * category) and town_park.ini (the park category only, the benchmark job).
 * DBF names stop at 10 characters, so the no-car share is no_car_shr (the
 * configs map it).
 *
 * The town is a lattice of blocks with jittered corners, varied row and
 * column widths and a smooth warp; block sides are split into 2-4 straight
 * segments so the graph has about N edges. Streets share a vertex wherever
 * they meet; footpaths cross blocks, cul-de-sacs and gaps leave dead ends,
 * diagonal avenues run corner to corner. Rivers and motorways are bands no
 * street crosses except at bridges (so they cut the network); motorway lines
 * are written with highway=motorway, which greenreach drops as unwalkable.
 * Distinct vertices are always metres apart, so no pair falls inside the
 * 1 m join tolerance: other tools noding at identical vertices only build
 * the same graph.
 *
 * Determinism: every random choice is a hash (splitmix64) of the seed and
 * the choice's own coordinates, never a shared stream or rand(), so the
 * same arguments give byte-identical files on any machine. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <shapefil.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PI 3.14159265358979323846
#define MAX_BARRIERS 64
#define MAX_AVENUES 4096
#define EDGES_PER_CELL 6.2      /* measured: walkable segments per block */
#define INSET 0.08              /* site polygons keep off streets (block units) */
#define ORIGIN_X 300000.0       /* BNG false origin of the town */
#define ORIGIN_Y 200000.0
#define WARD_M 2000.0

static const char *const BNG_WKT =
    "PROJCS[\"British_National_Grid\",GEOGCS[\"GCS_OSGB_1936\",DATUM[\"D_OSGB_1936\","
    "SPHEROID[\"Airy_1830\",6377563.396,299.3249646]],PRIMEM[\"Greenwich\",0.0],"
    "UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],"
    "PARAMETER[\"False_Easting\",400000.0],PARAMETER[\"False_Northing\",-100000.0],"
    "PARAMETER[\"Central_Meridian\",-2.0],PARAMETER[\"Scale_Factor\",0.9996012717],"
    "PARAMETER[\"Latitude_Of_Origin\",49.0],UNIT[\"Meter\",1.0]]";

/* ---- deterministic randomness ---- */

enum {
    T_COLW = 1, T_ROWH, T_JX, T_JY, T_WIGH, T_WIGV, T_EXTRA_H, T_EXTRA_V, T_GAP_H, T_GAP_V,
    T_BREAK_H, T_BREAK_V, T_CLASS_ROW, T_CLASS_COL, T_CELL, T_CELL2, T_SITE, T_SIZE, T_SMALL,
    T_SMALL2, T_RES, T_RES2, T_POP, T_CAR, T_BAR, T_AVE, T_IND, T_WARD, T_WARP, T_CENTRE,
    T_FOOT, T_PARKP
};

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t g_seed;

/* Uniform [0, 1) from the seed, a tag naming the decision and two indices. */
static double rnd(uint32_t tag, uint64_t a, uint64_t b)
{
    uint64_t h = mix64(g_seed ^ mix64(((uint64_t)tag << 40) ^ mix64(a * 0x100000001b3ULL ^ b)));
    return (double)(h >> 11) * 0x1.0p-53;
}

/* ---- the town plan ---- */

typedef enum {
    C_RES = 0, C_BARRIER, C_PARK_PATHS, C_PARK_BARE, C_MEADOW, C_FIELD, C_ALLOT, C_DIAG, C_IND
} cell_kind_t;

/* A river or motorway: a meandering band along x (horizontal) or y. */
typedef struct {
    bool is_vertical, is_motorway;
    double c0, a1, l1, p1, a2, l2, p2, half_w;
    uint32_t bridge_every, bridge_off;
} barrier_t;

typedef struct {
    uint32_t i, j, len;
    int dy;                  /* +1 north-east, -1 south-east */
} avenue_t;

typedef struct {
    uint32_t nx, ny;         /* blocks */
    double *colx, *rowy;     /* lattice lines in plan metres, nx+1 and ny+1 */
    uint8_t *cell;           /* cell_kind_t per block */
    uint32_t *sid;           /* large site number per block, 0: none */
    uint32_t n_rect;
    uint8_t *hs, *vs;        /* side exists: hs[(ny+1) rows][nx], vs[ny][nx+1] */
    barrier_t bar[MAX_BARRIERS];
    int n_bar;
    avenue_t ave[MAX_AVENUES];
    int n_ave;
    double centre_x[8], centre_y[8], centre_r[8];
    int n_centres;
    double warp[8];
} town_t;

#define CELL(t, i, j) ((t)->cell[(size_t)(j) * (t)->nx + (i)])
#define HS(t, i, j) ((t)->hs[(size_t)(j) * (t)->nx + (i)])
#define VS(t, i, j) ((t)->vs[(size_t)(j) * ((t)->nx + 1) + (i)])

static void node_plan(const town_t *t, uint32_t i, uint32_t j, double *x, double *y)
{
    *x = t->colx[i] + 24.0 * (rnd(T_JX, i, j) - 0.5);
    *y = t->rowy[j] + 24.0 * (rnd(T_JY, i, j) - 0.5);
}

/* Plan metres to BNG: a smooth warp bends the lattice so no street is
 * perfectly straight over long runs. */
static void to_bng(const town_t *t, double px, double py, double *x, double *y)
{
    const double *w = t->warp;
    *x = ORIGIN_X + px + 30.0 * sin(2 * PI * py / 2300.0 + w[0]) +
         15.0 * sin(2 * PI * (px + py) / 3700.0 + w[1]);
    *y = ORIGIN_Y + py + 30.0 * sin(2 * PI * px / 2900.0 + w[2]) +
         15.0 * sin(2 * PI * (px - py) / 4100.0 + w[3]);
}

/* Bilinear point at block-local (u, v) of block (i, j). */
static void cell_plan(const town_t *t, uint32_t i, uint32_t j, double u, double v, double *x,
                      double *y)
{
    double x00, y00, x10, y10, x01, y01, x11, y11;
    node_plan(t, i, j, &x00, &y00);
    node_plan(t, i + 1, j, &x10, &y10);
    node_plan(t, i, j + 1, &x01, &y01);
    node_plan(t, i + 1, j + 1, &x11, &y11);
    *x = (1 - u) * (1 - v) * x00 + u * (1 - v) * x10 + (1 - u) * v * x01 + u * v * x11;
    *y = (1 - u) * (1 - v) * y00 + u * (1 - v) * y10 + (1 - u) * v * y01 + u * v * y11;
}

/* Block sides: horizontal side (i, j) runs from node (i, j) to (i+1, j),
 * vertical side (i, j) from (i, j) to (i, j+1). Each has vertices at
 * t = 0, 0.5, 1 and optionally 0.25 and 0.75; interior vertices sway a
 * little off the chord. side_plan is the one place a side vertex is
 * computed, so a footpath ending at a side's middle gets the very same
 * coordinates as the street. */
static void side_plan(const town_t *t, bool is_v, uint32_t i, uint32_t j, int q, double *x,
                      double *y)
{
    double ax, ay, bx, by;
    node_plan(t, i, j, &ax, &ay);
    node_plan(t, is_v ? i : i + 1, is_v ? j + 1 : j, &bx, &by);
    if (q == 0 || q == 4) {
        *x = q == 0 ? ax : bx;
        *y = q == 0 ? ay : by;
        return;
    }
    double tt = q / 4.0, dx = bx - ax, dy = by - ay, len = hypot(dx, dy);
    double sway = 5.0 * (rnd(is_v ? T_WIGV : T_WIGH, (uint64_t)i * 5 + (uint64_t)q, j) - 0.5);
    *x = ax + tt * dx - dy / len * sway;
    *y = ay + tt * dy + dx / len * sway;
}

static bool side_has_quarter(bool is_v, uint32_t i, uint32_t j, int q)
{
    return rnd(is_v ? T_EXTRA_V : T_EXTRA_H, (uint64_t)i * 5 + (uint64_t)q, j) < 0.5;
}

/* ---- barriers ---- */

static double bar_offset(const barrier_t *b, double x, double y)
{
    double along = b->is_vertical ? y : x, across = b->is_vertical ? x : y;
    return across - (b->c0 + b->a1 * sin(2 * PI * along / b->l1 + b->p1) +
                     b->a2 * sin(2 * PI * along / b->l2 + b->p2));
}

/* True when the straight run between plan points a and b comes near the
 * band or crosses it (sampled; the margin covers the sway of side vertices). */
static bool run_hits(const barrier_t *b, double ax, double ay, double bx, double by)
{
    double lo = b->is_vertical ? fmin(ax, bx) : fmin(ay, by);
    double hi = b->is_vertical ? fmax(ax, bx) : fmax(ay, by);
    double reach = fabs(b->a1) + fabs(b->a2) + b->half_w + 10.0;
    if (hi < b->c0 - reach || lo > b->c0 + reach)
        return false;   /* nowhere near the band: skip the sines */
    double s0 = bar_offset(b, ax, ay);
    for (int k = 0; k <= 8; k++) {
        double s = bar_offset(b, ax + (bx - ax) * k / 8.0, ay + (by - ay) * k / 8.0);
        if (fabs(s) < b->half_w + 10.0 || (s > 0) != (s0 > 0))
            return true;
    }
    return false;
}

static void init_barriers(town_t *t)
{
    double w = t->colx[t->nx], h = t->rowy[t->ny], ext = fmax(w, h);
    int n_river = 1 + (int)(ext / 30000.0), n_mway = 1 + (int)(ext / 25000.0);
    for (int k = 0; k < n_river + n_mway && t->n_bar < MAX_BARRIERS; k++) {
        barrier_t *b = &t->bar[t->n_bar++];
        b->is_motorway = k >= n_river;
        b->is_vertical = (k % 2) == (b->is_motorway ? 0 : 1);
        double span = b->is_vertical ? w : h, len = b->is_vertical ? h : w;
        b->c0 = span * (0.2 + 0.6 * rnd(T_BAR, (uint64_t)k, 0));
        b->a1 = b->is_motorway ? span * 0.02 : fmin(span * 0.08, 900.0) * (0.5 + rnd(T_BAR, k, 1));
        b->l1 = fmax(len, 4000.0) * (0.3 + 0.5 * rnd(T_BAR, k, 2));
        b->p1 = 2 * PI * rnd(T_BAR, k, 3);
        b->a2 = b->a1 * 0.3;
        b->l2 = b->l1 * (0.17 + 0.1 * rnd(T_BAR, k, 4));
        b->p2 = 2 * PI * rnd(T_BAR, k, 5);
        b->half_w = b->is_motorway ? 15.0 : 10.0 + 15.0 * rnd(T_BAR, k, 6);
        b->bridge_every = b->is_motorway ? 5 : 8;
        b->bridge_off = (uint32_t)(rnd(T_BAR, k, 7) * b->bridge_every);
    }
}

/* A side survives a barrier it meets only as a bridge: a side across the
 * band, on every bridge_every-th lattice line. */
static bool side_blocked(const town_t *t, bool is_v, uint32_t i, uint32_t j)
{
    double ax, ay, bx, by;
    node_plan(t, i, j, &ax, &ay);
    node_plan(t, is_v ? i : i + 1, is_v ? j + 1 : j, &bx, &by);
    for (int k = 0; k < t->n_bar; k++) {
        const barrier_t *b = &t->bar[k];
        if (!run_hits(b, ax, ay, bx, by))
            continue;
        bool is_across = is_v != b->is_vertical;
        uint32_t line = is_v ? i : j;
        if (!is_across || line % b->bridge_every != b->bridge_off)
            return true;
    }
    return false;
}

static bool cell_blocked(const town_t *t, uint32_t i, uint32_t j)
{
    double x[5], y[5];
    node_plan(t, i, j, &x[0], &y[0]);
    node_plan(t, i + 1, j, &x[1], &y[1]);
    node_plan(t, i + 1, j + 1, &x[2], &y[2]);
    node_plan(t, i, j + 1, &x[3], &y[3]);
    x[4] = x[0];
    y[4] = y[0];
    for (int k = 0; k < t->n_bar; k++)
        for (int e = 0; e < 4; e++)
            if (run_hits(&t->bar[k], x[e], y[e], x[e + 1], y[e + 1]) ||
                run_hits(&t->bar[k], x[e], y[e], x[(e + 2) % 4], y[(e + 2) % 4]))
                return true;
    return false;
}

/* ---- laying out blocks ---- */

static int town_init(town_t *t, uint64_t n_edges)
{
    double cells = fmax((double)n_edges / EDGES_PER_CELL, 16.0);
    t->nx = t->ny = (uint32_t)ceil(sqrt(cells));
    t->colx = malloc((t->nx + 1) * sizeof *t->colx);
    t->rowy = malloc((t->ny + 1) * sizeof *t->rowy);
    t->cell = calloc((size_t)t->nx * t->ny, 1);
    t->sid = calloc((size_t)t->nx * t->ny, sizeof *t->sid);
    t->hs = malloc((size_t)t->nx * (t->ny + 1));
    t->vs = malloc((size_t)(t->nx + 1) * t->ny);
    if (!t->colx || !t->rowy || !t->cell || !t->sid || !t->hs || !t->vs)
        return -1;
    t->colx[0] = t->rowy[0] = 0.0;
    for (uint32_t i = 0; i < t->nx; i++)
        t->colx[i + 1] = t->colx[i] + 85.0 + 65.0 * rnd(T_COLW, i, 0);
    for (uint32_t j = 0; j < t->ny; j++)
        t->rowy[j + 1] = t->rowy[j] + 85.0 + 65.0 * rnd(T_ROWH, j, 0);
    for (int k = 0; k < 8; k++)
        t->warp[k] = 2 * PI * rnd(T_WARP, (uint64_t)k, 0);
    t->n_centres = 1 + (int)(t->colx[t->nx] / 20000.0);
    if (t->n_centres > 8)
        t->n_centres = 8;
    for (int k = 0; k < t->n_centres; k++) {
        t->centre_x[k] = t->colx[t->nx] * (0.15 + 0.7 * rnd(T_CENTRE, (uint64_t)k, 0));
        t->centre_y[k] = t->rowy[t->ny] * (0.15 + 0.7 * rnd(T_CENTRE, (uint64_t)k, 1));
        t->centre_r[k] = fmax(t->colx[t->nx] / (2.0 * t->n_centres), 1500.0);
    }
    init_barriers(t);
    return 0;
}

static bool rect_free(const town_t *t, uint32_t i0, uint32_t j0, uint32_t w, uint32_t h)
{
    if (i0 + w > t->nx || j0 + h > t->ny)
        return false;
    for (uint32_t j = j0; j < j0 + h; j++)
        for (uint32_t i = i0; i < i0 + w; i++)
            if (CELL(t, i, j) != C_RES)
                return false;
    return true;
}

static void rect_claim(town_t *t, uint32_t i0, uint32_t j0, uint32_t w, uint32_t h, uint8_t kind)
{
    t->n_rect++;
    for (uint32_t j = j0; j < j0 + h; j++) {
        for (uint32_t i = i0; i < i0 + w; i++) {
            CELL(t, i, j) = kind;
            t->sid[(size_t)j * t->nx + i] = t->n_rect;
        }
    }
}

/* Block sizes of large sites: mostly one block, some two to four, a few
 * country parks of a dozen or more. */
static void site_size(uint32_t i, uint32_t j, bool may_be_large, uint32_t *w, uint32_t *h)
{
    double r = rnd(T_SIZE, i, j), s = rnd(T_SIZE, j, i);
    *w = *h = 1;
    if (r < 0.25) {
        *w = s < 0.5 ? 2 : 1;
        *h = s < 0.5 ? 1 : 2;
    } else if (r < 0.35) {
        *w = 2 + (s < 0.5);
        *h = 2;
    } else if (r < 0.40 && may_be_large) {
        *w = 4 + (uint32_t)(3 * s);
        *h = 3 + (uint32_t)(2 * rnd(T_SIZE, i + 7, j));
    }
}

/* A large site of kind at block (i, j), when its blocks are still free. */
static void place_site(town_t *t, uint32_t i, uint32_t j, uint8_t kind)
{
    uint32_t w, h;
    site_size(i, j, kind == C_PARK_PATHS || kind == C_PARK_BARE || kind == C_MEADOW, &w, &h);
    if (kind == C_FIELD || kind == C_ALLOT)
        w = h = 1 + (kind == C_FIELD && rnd(T_SIZE, i, j + 3) < 0.3);
    if (rect_free(t, i, j, w, h))
        rect_claim(t, i, j, w, h, kind);
}

static void place_avenues(town_t *t)
{
    int n = 1 + (int)((size_t)t->nx * t->ny / 4000);
    for (int k = 0; k < n && t->n_ave < MAX_AVENUES; k++) {
        avenue_t a = { (uint32_t)(rnd(T_AVE, (uint64_t)k, 0) * t->nx),
                       (uint32_t)(rnd(T_AVE, (uint64_t)k, 1) * t->ny), 0,
                       rnd(T_AVE, (uint64_t)k, 2) < 0.5 ? 1 : -1 };
        uint32_t want = 10 + (uint32_t)(30 * rnd(T_AVE, (uint64_t)k, 3));
        while (a.len < want) {
            uint32_t ci = a.i + a.len;
            long cj = a.dy > 0 ? (long)a.j + a.len : (long)a.j - (long)a.len - 1;
            if (ci >= t->nx || cj < 0 || cj >= (long)t->ny || CELL(t, ci, cj) != C_RES)
                break;
            CELL(t, ci, cj) = C_DIAG;
            a.len++;
        }
        if (a.len > 0)
            t->ave[t->n_ave++] = a;
    }
}

static void classify_cells(town_t *t)
{
    for (uint32_t j = 0; j < t->ny; j++)
        for (uint32_t i = 0; i < t->nx; i++)
            if (cell_blocked(t, i, j))
                CELL(t, i, j) = C_BARRIER;
    for (uint32_t j = 0; j < t->ny; j++) {
        for (uint32_t i = 0; i < t->nx; i++) {
            double r = rnd(T_SITE, i, j);
            if (r < 0.009)
                place_site(t, i, j, C_PARK_PATHS);
            else if (r < 0.012)
                place_site(t, i, j, C_PARK_BARE);
            else if (r < 0.015)
                place_site(t, i, j, C_MEADOW);
            else if (r < 0.019)
                place_site(t, i, j, C_FIELD);
            else if (r < 0.022)
                place_site(t, i, j, C_ALLOT);
            else if (r < 0.060 && CELL(t, i, j) == C_RES)
                CELL(t, i, j) = C_IND;
        }
    }
    place_avenues(t);
}

static bool is_site_kind(uint8_t k)
{
    return k == C_PARK_PATHS || k == C_PARK_BARE || k == C_MEADOW || k == C_FIELD ||
           k == C_ALLOT;
}

/* A side between two blocks of the same site is dropped: the site is one
 * piece of green, crossed by its own paths. */
static bool side_inside_site(const town_t *t, bool is_v, uint32_t i, uint32_t j)
{
    if (is_v ? (i == 0 || i == t->nx) : (j == 0 || j == t->ny))
        return false;
    size_t a = (size_t)j * t->nx + i, b = is_v ? a - 1 : a - t->nx;
    return t->sid[a] != 0 && t->sid[a] == t->sid[b];
}

static void decide_sides(town_t *t)
{
    for (uint32_t j = 0; j <= t->ny; j++)
        for (uint32_t i = 0; i < t->nx; i++)
            HS(t, i, j) = !(rnd(T_GAP_H, i, j) < 0.04 || side_inside_site(t, false, i, j) ||
                            side_blocked(t, false, i, j));
    for (uint32_t j = 0; j < t->ny; j++)
        for (uint32_t i = 0; i <= t->nx; i++)
            VS(t, i, j) = !(rnd(T_GAP_V, i, j) < 0.04 || side_inside_site(t, true, i, j) ||
                            side_blocked(t, true, i, j));
}

/* ---- shapefile writing ----
 * shapelib seeks and rewrites the previous record for every attribute
 * row; through stdio that is several system calls per feature. Its I/O
 * hooks let each file live in memory instead and reach the disk once, at
 * close (a layer of the largest town is a few hundred MB at most). */

typedef struct {
    char *path;
    unsigned char *buf;
    size_t size, cap, pos;
    bool is_writable;
} memfile_t;

static int g_write_failed;

static int mem_reserve(memfile_t *m, size_t need)
{
    if (need <= m->cap)
        return 0;
    size_t c = m->cap ? m->cap : 1 << 16;
    while (c < need)
        c *= 2;
    unsigned char *b = realloc(m->buf, c);
    if (!b)
        return -1;
    memset(b + m->cap, 0, c - m->cap);
    m->buf = b;
    m->cap = c;
    return 0;
}

static int mem_load(memfile_t *m)
{
    FILE *f = fopen(m->path, "rb");
    if (!f)
        return -1;
    int rc = fseek(f, 0, SEEK_END);
    long n = rc == 0 ? ftell(f) : -1;
    rc = n < 0 || fseek(f, 0, SEEK_SET) || mem_reserve(m, (size_t)n + 1) ||
         fread(m->buf, 1, (size_t)n, f) != (size_t)n;
    m->size = n > 0 ? (size_t)n : 0;
    fclose(f);
    return rc ? -1 : 0;
}

static SAFile mem_open(const char *path, const char *access)
{
    memfile_t *m = calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(path))) {
        free(m);
        return NULL;
    }
    m->is_writable = strchr(access, 'w') || strchr(access, '+');
    if (!strchr(access, 'w') && mem_load(m)) {
        free(m->path);
        free(m->buf);
        free(m);
        return NULL;
    }
    return (SAFile)m;
}

static SAOffset mem_read(void *p, SAOffset size, SAOffset n, SAFile file)
{
    memfile_t *m = (memfile_t *)file;
    size_t want = (size_t)(size * n), have = m->pos < m->size ? m->size - m->pos : 0;
    size_t got = want < have ? want : have;
    memcpy(p, m->buf + m->pos, got);
    m->pos += got;
    return size ? (SAOffset)(got / size) : 0;
}

static SAOffset mem_write(void *p, SAOffset size, SAOffset n, SAFile file)
{
    memfile_t *m = (memfile_t *)file;
    size_t len = (size_t)(size * n);
    if (mem_reserve(m, m->pos + len)) {
        g_write_failed = 1;
        return 0;
    }
    memcpy(m->buf + m->pos, p, len);
    m->pos += len;
    if (m->pos > m->size)
        m->size = m->pos;
    return n;
}

static SAOffset mem_seek(SAFile file, SAOffset off, int whence)
{
    memfile_t *m = (memfile_t *)file;
    size_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
    m->pos = base + (size_t)off;
    return 0;
}

static SAOffset mem_tell(SAFile file)
{
    return (SAOffset)((memfile_t *)file)->pos;
}

static int mem_flush(SAFile file)
{
    (void)file;
    return 0;
}

static int mem_close(SAFile file)
{
    memfile_t *m = (memfile_t *)file;
    int rc = 0;
    if (m->is_writable) {
        FILE *f = fopen(m->path, "wb");
        rc = !f || fwrite(m->buf, 1, m->size, f) != m->size;
        rc |= f && fclose(f) != 0;
    }
    g_write_failed |= rc;
    free(m->path);
    free(m->buf);
    free(m);
    return rc ? -1 : 0;
}

static void mem_error(const char *message)
{
    fprintf(stderr, "gr_gen_town: shapelib: %s\n", message);
    g_write_failed = 1;
}

static SAHooks g_hooks;

static void setup_hooks(void)
{
    SASetupDefaultHooks(&g_hooks);
    g_hooks.FOpen = mem_open;
    g_hooks.FRead = mem_read;
    g_hooks.FWrite = mem_write;
    g_hooks.FSeek = mem_seek;
    g_hooks.FTell = mem_tell;
    g_hooks.FFlush = mem_flush;
    g_hooks.FClose = mem_close;
    g_hooks.Error = mem_error;
}

typedef struct {
    SHPHandle shp;
    DBFHandle dbf;
    int n;
    double *x, *y;           /* the line being built */
    int nv, cap;
    uint64_t walkable_segments;
    uint64_t features;
} layer_t;

static int layer_open(layer_t *L, const char *dir, const char *name, int type, int nf,
                      const char *const *fields, const char *kinds, const int *widths)
{
    char base[4096];
    memset(L, 0, sizeof *L);
    snprintf(base, sizeof base, "%s/%s", dir, name);
    L->shp = SHPCreateLL(base, type, &g_hooks);
    L->dbf = DBFCreateLL(base, "LDID/87", &g_hooks);
    if (!L->shp || !L->dbf)
        return -1;
    for (int k = 0; k < nf; k++) {
        DBFFieldType ft = kinds[k] == 'C' ? FTString : kinds[k] == 'N' ? FTInteger : FTDouble;
        if (DBFAddField(L->dbf, fields[k], ft, widths[k], kinds[k] == 'F' ? 4 : 0) < 0)
            return -1;
    }
    strcat(base, ".prj");
    FILE *f = fopen(base, "w");
    if (!f)
        return -1;
    fputs(BNG_WKT, f);
    return fclose(f);
}

static void layer_close(layer_t *L)
{
    if (L->shp)
        SHPClose(L->shp);
    if (L->dbf)
        DBFClose(L->dbf);
    free(L->x);
    free(L->y);
}

static int push_xy(layer_t *L, double x, double y)
{
    if (L->nv == L->cap) {
        int c = L->cap ? 2 * L->cap : 256;
        double *nx = realloc(L->x, (size_t)c * sizeof *nx), *ny;
        if (!nx)
            return -1;
        L->x = nx;
        if (!(ny = realloc(L->y, (size_t)c * sizeof *ny)))
            return -1;
        L->y = ny;
        L->cap = c;
    }
    L->x[L->nv] = x;
    L->y[L->nv] = y;
    L->nv++;
    return 0;
}

/* Shapefile outer rings run clockwise. */
static void make_clockwise(layer_t *L)
{
    double a2 = 0.0;
    for (int k = 0; k + 1 < L->nv; k++)
        a2 += L->x[k] * L->y[k + 1] - L->x[k + 1] * L->y[k];
    for (int k = 0; a2 > 0.0 && k < L->nv / 2; k++) {
        double x = L->x[k], y = L->y[k];
        L->x[k] = L->x[L->nv - 1 - k];
        L->y[k] = L->y[L->nv - 1 - k];
        L->x[L->nv - 1 - k] = x;
        L->y[L->nv - 1 - k] = y;
    }
}

/* Writes the buffered vertices as one feature of shape type; returns its
 * record number, or -1 (also when fewer than min_v vertices: nothing written). */
static int flush_shape(layer_t *L, int type, int min_v)
{
    int rec = -1;
    if (type == SHPT_POLYGON)
        make_clockwise(L);
    if (L->nv >= min_v) {
        SHPObject *o = SHPCreateSimpleObject(type, L->nv, L->x, L->y, NULL);
        rec = o ? SHPWriteObject(L->shp, -1, o) : -1;
        SHPDestroyObject(o);
        L->features++;
    }
    L->nv = 0;
    return rec;
}

/* Ends the current path line with its highway class. */
static void flush_path(layer_t *L, const char *highway)
{
    int segs = L->nv - 1, rec = flush_shape(L, SHPT_ARC, 2);
    if (rec < 0)
        return;
    if (!DBFWriteStringAttribute(L->dbf, rec, 0, highway))
        g_write_failed = 1;
    if (strcmp(highway, "motorway") != 0 && strcmp(highway, "construction") != 0)
        L->walkable_segments += (uint64_t)segs;
}

static void add_plan(const town_t *t, layer_t *L, double px, double py)
{
    double x, y;
    to_bng(t, px, py, &x, &y);
    if (push_xy(L, x, y))
        g_write_failed = 1;
}

/* ---- paths ---- */

static const char *street_class(bool is_col, uint32_t k)
{
    if (k % 12 == 0)
        return "primary";
    if (k % 6 == 0)
        return "secondary";
    double r = rnd(is_col ? T_CLASS_COL : T_CLASS_ROW, k, 0);
    return r < 0.65 ? "residential" : r < 0.8 ? "tertiary" : r < 0.93 ? "unclassified" : "service";
}

/* Appends side (i, j) from its start (exclusive) to its end (inclusive). */
static void add_side(const town_t *t, layer_t *L, bool is_v, uint32_t i, uint32_t j)
{
    for (int q = 1; q <= 4; q++) {
        if ((q == 1 || q == 3) && !side_has_quarter(is_v, i, j, q))
            continue;
        double x, y;
        side_plan(t, is_v, i, j, q, &x, &y);
        add_plan(t, L, x, y);
    }
}

/* One lattice line (row j or column i) as street features: a feature runs
 * over consecutive existing sides and sometimes ends at a junction, as
 * street names change. */
static void write_lattice_line(const town_t *t, layer_t *L, bool is_v, uint32_t k)
{
    const char *hw = street_class(is_v, k);
    uint32_t n = is_v ? t->ny : t->nx;
    for (uint32_t s = 0; s < n; s++) {
        uint32_t i = is_v ? k : s, j = is_v ? s : k;
        if (!(is_v ? VS(t, i, j) : HS(t, i, j))) {
            flush_path(L, hw);
            continue;
        }
        if (L->nv == 0) {
            double x, y;
            node_plan(t, i, j, &x, &y);
            add_plan(t, L, x, y);
        }
        add_side(t, L, is_v, i, j);
        if (rnd(is_v ? T_BREAK_V : T_BREAK_H, i, j) < 0.3)
            flush_path(L, hw);
    }
    flush_path(L, rnd(T_CLASS_ROW, k, 9) < 0.004 ? "construction" : hw);
}

static void add_side_mid(const town_t *t, layer_t *L, bool is_v, uint32_t i, uint32_t j)
{
    double x, y;
    side_plan(t, is_v, i, j, 2, &x, &y);
    add_plan(t, L, x, y);
}

static void add_cell_point(const town_t *t, layer_t *L, uint32_t i, uint32_t j, double u,
                           double v)
{
    double x, y;
    cell_plan(t, i, j, u, v, &x, &y);
    add_plan(t, L, x, y);
}

static const char *foot_class(uint32_t i, uint32_t j)
{
    double r = rnd(T_FOOT, i, j);
    return r < 0.6 ? "footway" : r < 0.85 ? "path" : r < 0.95 ? "cycleway" : "steps";
}

/* A footpath across block (i, j) between the middles of two opposite
 * sides, bending once inside. */
static void write_cut_through(const town_t *t, layer_t *L, uint32_t i, uint32_t j, bool is_ns)
{
    double bend = 0.35 + 0.3 * rnd(T_CELL2, i, j);
    add_side_mid(t, L, !is_ns, i, j);
    add_cell_point(t, L, i, j, is_ns ? 0.5 : bend, is_ns ? bend : 0.5);
    add_side_mid(t, L, !is_ns, is_ns ? i : i + 1, is_ns ? j + 1 : j);
    flush_path(L, foot_class(i, j));
}

/* A dead-end street from the middle of the block's south side. */
static void write_cul_de_sac(const town_t *t, layer_t *L, uint32_t i, uint32_t j,
                             const char *hw)
{
    if (!HS(t, i, j))
        return;
    double d = 0.1 * (rnd(T_CELL2, i, j) - 0.5);
    add_side_mid(t, L, false, i, j);
    add_cell_point(t, L, i, j, 0.5 + d, 0.22);
    add_cell_point(t, L, i, j, 0.5 - d, 0.3 + 0.2 * rnd(T_CELL2, j, i));
    flush_path(L, hw);
}

/* Park paths: a cross through the block's centre, meeting the paths of
 * the park's other blocks at the middles of the dropped sides. */
static void write_park_cross(const town_t *t, layer_t *L, uint32_t i, uint32_t j)
{
    add_side_mid(t, L, true, i, j);
    add_cell_point(t, L, i, j, 0.5, 0.5);
    add_side_mid(t, L, true, i + 1, j);
    flush_path(L, "footway");
    add_side_mid(t, L, false, i, j);
    add_cell_point(t, L, i, j, 0.5, 0.5);
    add_side_mid(t, L, false, i, j + 1);
    flush_path(L, rnd(T_PARKP, i, j) < 0.5 ? "footway" : "path");
}

static void write_cell_paths(const town_t *t, layer_t *L, uint32_t i, uint32_t j)
{
    double r = rnd(T_CELL, i, j);
    switch (CELL(t, i, j)) {
    case C_RES:
        if (r < 0.15)
            write_cut_through(t, L, i, j, r < 0.08);
        else if (r < 0.27)
            write_cul_de_sac(t, L, i, j, "residential");
        break;
    case C_IND:
        if (r < 0.5)
            write_cul_de_sac(t, L, i, j, "service");
        break;
    case C_PARK_PATHS:
        write_park_cross(t, L, i, j);
        break;
    case C_MEADOW:
        if (r < 0.5)
            write_cut_through(t, L, i, j, true);
        break;
    default:
        break;
    }
}

static void write_avenue(const town_t *t, layer_t *L, const avenue_t *a)
{
    double x, y;
    node_plan(t, a->i, a->j, &x, &y);
    add_plan(t, L, x, y);
    for (uint32_t s = 0; s < a->len; s++) {
        uint32_t ci = a->i + s, cj = a->dy > 0 ? a->j + s : a->j - s - 1;
        double v0 = a->dy > 0 ? 0.0 : 1.0, dv = a->dy > 0 ? 1.0 : -1.0;
        add_cell_point(t, L, ci, cj, 1.0 / 3.0, v0 + dv / 3.0);
        add_cell_point(t, L, ci, cj, 2.0 / 3.0, v0 + 2.0 * dv / 3.0);
        node_plan(t, ci + 1, a->dy > 0 ? cj + 1 : cj, &x, &y);
        add_plan(t, L, x, y);
    }
    flush_path(L, "tertiary");
}

/* The motorway's own carriageway: unwalkable, and sharing no vertex with
 * any street, as on a real flyover. */
static void write_motorway(const town_t *t, layer_t *L, const barrier_t *b)
{
    double len = b->is_vertical ? t->rowy[t->ny] : t->colx[t->nx];
    for (double s = 0; s <= len; s += 150.0) {
        double off = b->c0 + b->a1 * sin(2 * PI * s / b->l1 + b->p1) +
                     b->a2 * sin(2 * PI * s / b->l2 + b->p2);
        add_plan(t, L, b->is_vertical ? off : s, b->is_vertical ? s : off);
        if (L->nv >= 60) {
            flush_path(L, "motorway");
            add_plan(t, L, b->is_vertical ? off : s, b->is_vertical ? s : off);
        }
    }
    flush_path(L, "motorway");
}

static int write_paths(const town_t *t, const char *dir, uint64_t *segments)
{
    layer_t L;
    static const char *const f[] = { "highway" };
    static const int w[] = { 20 };
    if (layer_open(&L, dir, "paths", SHPT_ARC, 1, f, "C", w))
        return -1;
    for (uint32_t j = 0; j <= t->ny; j++)
        write_lattice_line(t, &L, false, j);
    for (uint32_t i = 0; i <= t->nx; i++)
        write_lattice_line(t, &L, true, i);
    for (uint32_t j = 0; j < t->ny; j++)
        for (uint32_t i = 0; i < t->nx; i++)
            write_cell_paths(t, &L, i, j);
    for (int k = 0; k < t->n_ave; k++)
        write_avenue(t, &L, &t->ave[k]);
    for (int k = 0; k < t->n_bar; k++)
        if (t->bar[k].is_motorway)
            write_motorway(t, &L, &t->bar[k]);
    *segments = L.walkable_segments;
    layer_close(&L);
    return g_write_failed ? -1 : 0;
}

/* ---- green spaces ---- */

typedef struct {
    layer_t L;
    uint32_t n_sites;
} sites_t;

static void site_attrs(sites_t *S, int rec, const char *function, const char *play_class)
{
    char id[16];
    snprintf(id, sizeof id, "S%07" PRIu32, ++S->n_sites);
    if (rec < 0 || !DBFWriteStringAttribute(S->L.dbf, rec, 0, id) ||
        !DBFWriteStringAttribute(S->L.dbf, rec, 1, function) ||
        !(play_class[0] ? DBFWriteStringAttribute(S->L.dbf, rec, 2, play_class)
                        : DBFWriteNULLAttribute(S->L.dbf, rec, 2)))
        g_write_failed = 1;
}

/* Ring point at lattice node (i, j) of the site rectangle, pulled INSET
 * into the rectangle along whichever of its edges the node is on. */
static void ring_point(const town_t *t, layer_t *L, uint32_t i, uint32_t j, uint32_t i0,
                       uint32_t j0, uint32_t i1, uint32_t j1)
{
    double fi = i + (i == i0 ? INSET : i == i1 ? -INSET : 0.0);
    double fj = j + (j == j0 ? INSET : j == j1 ? -INSET : 0.0);
    uint32_t ci = (uint32_t)fi < i1 ? (uint32_t)fi : i1 - 1;
    uint32_t cj = (uint32_t)fj < j1 ? (uint32_t)fj : j1 - 1;
    add_cell_point(t, L, ci, cj, fi - ci, fj - cj);
}

/* A polygon over blocks [i0, i1) x [j0, j1), clockwise (shapefile outer
 * ring), inset from the streets around it. */
static void write_rect_site(const town_t *t, sites_t *S, uint32_t i0, uint32_t j0, uint32_t i1,
                            uint32_t j1, const char *function)
{
    layer_t *L = &S->L;
    for (uint32_t j = j0; j < j1; j++)
        ring_point(t, L, i0, j, i0, j0, i1, j1);
    for (uint32_t i = i0; i < i1; i++)
        ring_point(t, L, i, j1, i0, j0, i1, j1);
    for (uint32_t j = j1; j > j0; j--)
        ring_point(t, L, i1, j, i0, j0, i1, j1);
    for (uint32_t i = i1; i > i0; i--)
        ring_point(t, L, i, j0, i0, j0, i1, j1);
    ring_point(t, L, i0, j0, i0, j0, i1, j1);
    site_attrs(S, flush_shape(L, SHPT_POLYGON, 4), function, "");
}

/* A small site (play area, orchard) as a box of block-local coordinates. */
static void small_box(const town_t *t, uint32_t i, uint32_t j, double size_m, double b[4])
{
    double bw = t->colx[i + 1] - t->colx[i], bh = t->rowy[j + 1] - t->rowy[j];
    double cu = 0.3 + 0.4 * rnd(T_SMALL2, i, j), cv = 0.3 + 0.4 * rnd(T_SMALL2, j, i);
    double hu = 0.5 * size_m / bw, hv = 0.5 * size_m / bh;
    hu = hu > 0.3 ? 0.3 : hu;
    hv = hv > 0.3 ? 0.3 : hv;
    b[0] = cu - hu;
    b[1] = cv - hv;
    b[2] = cu + hu;
    b[3] = cv + hv;
}

static void write_box_site(const town_t *t, sites_t *S, uint32_t i, uint32_t j,
                           const double b[4], const char *function, const char *play_class)
{
    static const int corner[5][2] = { { 0, 1 }, { 0, 3 }, { 2, 3 }, { 2, 1 }, { 0, 1 } };
    for (int k = 0; k < 5; k++)
        add_cell_point(t, &S->L, i, j, b[corner[k][0]], b[corner[k][1]]);
    site_attrs(S, flush_shape(&S->L, SHPT_POLYGON, 4), function, play_class);
}

/* Play areas sit in half the park blocks and a few residential ones;
 * Fields in Trust classes by size: LAP small, LEAP middling, NEAP large. */
static int small_site(const town_t *t, uint32_t i, uint32_t j, double b[4], const char **fn,
                      const char **pc)
{
    uint8_t k = CELL(t, i, j);
    double r = rnd(T_SMALL, i, j), c = rnd(T_SMALL, j, i);
    bool is_park = k == C_PARK_PATHS || k == C_PARK_BARE;
    if ((is_park && r < 0.5) || (k == C_RES && r < 0.012)) {
        *fn = "play_space";
        *pc = c < 0.4 ? "LAP" : c < 0.8 ? "LEAP" : "NEAP";
        small_box(t, i, j, c < 0.4 ? 15.0 : c < 0.8 ? 30.0 : 55.0, b);
        return 1;
    }
    if ((k == C_RES && r > 0.996) || (k == C_MEADOW && r < 0.2)) {
        *fn = "orchard";
        *pc = "";
        small_box(t, i, j, 30.0 + 40.0 * c, b);
        return 1;
    }
    return 0;
}

static const char *site_function(uint8_t k)
{
    switch (k) {
    case C_PARK_PATHS:
    case C_PARK_BARE: return "park";
    case C_MEADOW: return "meadow";
    case C_FIELD: return "playing_field";
    case C_ALLOT: return "allotment";
    default: return NULL;
    }
}

/* The rectangle of same-kind blocks starting at its south-west block. */
static bool site_origin(const town_t *t, uint32_t i, uint32_t j, uint32_t *i1, uint32_t *j1)
{
    uint8_t k = CELL(t, i, j);
    if (!is_site_kind(k) || side_inside_site(t, true, i, j) || side_inside_site(t, false, i, j))
        return false;
    *i1 = i + 1;
    while (*i1 < t->nx && side_inside_site(t, true, *i1, j))
        (*i1)++;
    *j1 = j + 1;
    while (*j1 < t->ny && side_inside_site(t, false, i, *j1))
        (*j1)++;
    return true;
}

/* A green corridor: a strip 24 m wide along a diagonal avenue, entered
 * wherever the streets it crosses meet it. */
static void write_corridor(const town_t *t, sites_t *S, const avenue_t *a)
{
    double x0, y0, x1, y1;
    node_plan(t, a->i, a->j, &x0, &y0);
    node_plan(t, a->i + a->len, a->dy > 0 ? a->j + a->len : a->j - a->len, &x1, &y1);
    double len = hypot(x1 - x0, y1 - y0), nx = -(y1 - y0) / len, ny = (x1 - x0) / len;
    for (int side = 0; side < 2; side++) {
        for (uint32_t s = 0; s <= a->len; s++) {
            uint32_t k = side ? a->len - s : s;
            double x, y, off = side ? -12.0 : 12.0;
            node_plan(t, a->i + k, a->dy > 0 ? a->j + k : a->j - k, &x, &y);
            add_plan(t, &S->L, x + off * nx, y + off * ny);
        }
    }
    if (push_xy(&S->L, S->L.x[0], S->L.y[0]))
        g_write_failed = 1;
    site_attrs(S, flush_shape(&S->L, SHPT_POLYGON, 4), "green_corridor", "");
}

static int write_sites(const town_t *t, const char *dir, uint32_t *n_sites)
{
    sites_t S = { .n_sites = 0 };
    static const char *const f[] = { "site_id", "function", "play_class" };
    static const int w[] = { 12, 20, 4 };
    if (layer_open(&S.L, dir, "greenspaces", SHPT_POLYGON, 3, f, "CCC", w))
        return -1;
    for (uint32_t j = 0; j < t->ny; j++) {
        for (uint32_t i = 0; i < t->nx; i++) {
            uint32_t i1, j1;
            double b[4];
            const char *fn, *pc;
            if (site_origin(t, i, j, &i1, &j1))
                write_rect_site(t, &S, i, j, i1, j1, site_function(CELL(t, i, j)));
            if (small_site(t, i, j, b, &fn, &pc))
                write_box_site(t, &S, i, j, b, fn, pc);
        }
    }
    for (int k = 0; k < t->n_ave; k++)
        if (k % 2 == 0)
            write_corridor(t, &S, &t->ave[k]);
    *n_sites = S.n_sites;
    layer_close(&S.L);
    return g_write_failed ? -1 : 0;
}

/* ---- residents ---- */

/* How much of the population lives in block (i, j): dense near town
 * centres, none in sites, industry or water. */
static double cell_weight(const town_t *t, uint32_t i, uint32_t j)
{
    uint8_t k = CELL(t, i, j);
    if (k != C_RES && k != C_DIAG)
        return 0.0;
    double x = 0.5 * (t->colx[i] + t->colx[i + 1]), y = 0.5 * (t->rowy[j] + t->rowy[j + 1]);
    double w = 0.25;
    for (int c = 0; c < t->n_centres; c++) {
        double dx = x - t->centre_x[c], dy = y - t->centre_y[c];
        w += 1.5 * exp(-(dx * dx + dy * dy) / (t->centre_r[c] * t->centre_r[c]));
    }
    return w * (0.5 + rnd(T_RES, i, j));
}

/* Share of households without a car: high in dense centres, with a
 * smooth district pattern on top, so low-car areas are contiguous. */
static double no_car_share(const town_t *t, double px, double py, uint32_t i, uint32_t j,
                           uint32_t k)
{
    double v = 0.12 + 0.08 * sin(px / 1700.0 + t->warp[4]) * cos(py / 2100.0 + t->warp[5]);
    for (int c = 0; c < t->n_centres; c++) {
        double dx = px - t->centre_x[c], dy = py - t->centre_y[c];
        v += 0.45 * exp(-(dx * dx + dy * dy) / (0.5 * t->centre_r[c] * t->centre_r[c]));
    }
    v += 0.1 * (rnd(T_CAR, (uint64_t)i * 64 + k, j) - 0.5);
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

static void write_resident(const town_t *t, layer_t *L, uint32_t i, uint32_t j, uint32_t k,
                           const double *avoid)
{
    double u = 0.5, v = 0.5, px, py, x, y;
    for (int tries = 0; tries < 4; tries++) {
        u = 0.12 + 0.76 * rnd(T_RES2, (uint64_t)i * 256 + k, (uint64_t)j * 4 + tries);
        v = 0.12 + 0.76 * rnd(T_RES2, (uint64_t)j * 256 + k, (uint64_t)i * 4 + tries + 1000003);
        if (!avoid || u < avoid[0] || u > avoid[2] || v < avoid[1] || v > avoid[3])
            break;
    }
    cell_plan(t, i, j, u, v, &px, &py);
    to_bng(t, px, py, &x, &y);
    SHPObject *o = SHPCreateSimpleObject(SHPT_POINT, 1, &x, &y, NULL);
    int rec = o ? SHPWriteObject(L->shp, -1, o) : -1;
    SHPDestroyObject(o);
    double r = rnd(T_POP, (uint64_t)i * 256 + k, j);
    int pop = 1 + (int)(59.0 * r * r * r * r);
    if (rec < 0 || !DBFWriteIntegerAttribute(L->dbf, rec, 0, pop) ||
        !DBFWriteDoubleAttribute(L->dbf, rec, 1, no_car_share(t, px, py, i, j, k)))
        g_write_failed = 1;
}

/* Exactly n_res residents, shared out over blocks by weight (cumulative
 * rounding, so the total is exact). */
static int write_residents(const town_t *t, const char *dir, uint64_t n_res)
{
    layer_t L;
    static const char *const f[] = { "population", "no_car_shr" };
    static const int w[] = { 5, 7 };
    if (layer_open(&L, dir, "residents", SHPT_POINT, 2, f, "NF", w))
        return -1;
    double total = 0.0, cum = 0.0;
    for (uint32_t j = 0; j < t->ny; j++)
        for (uint32_t i = 0; i < t->nx; i++)
            total += cell_weight(t, i, j);
    uint64_t done = 0;
    for (uint32_t j = 0; j < t->ny && total > 0; j++) {
        for (uint32_t i = 0; i < t->nx; i++) {
            cum += cell_weight(t, i, j);
            uint64_t upto = (uint64_t)llround((double)n_res * fmin(cum / total, 1.0));
            double b[4];
            const char *fn, *pc;
            bool has_small = small_site(t, i, j, b, &fn, &pc);
            for (uint32_t k = 0; done < upto; k++, done++)
                write_resident(t, &L, i, j, k, has_small ? b : NULL);
        }
    }
    layer_close(&L);
    return g_write_failed ? -1 : 0;
}

/* ---- wards ---- */

typedef struct {
    double x0, y0, step_x, step_y;
    uint32_t nx, ny;
} ward_grid_t;

/* Ward corner (a, b): jittered inside, fixed on the outer edge, so
 * neighbours share corners and the wards tile the town without gaps. */
static void ward_corner(const ward_grid_t *g, uint32_t a, uint32_t b, double *x, double *y)
{
    bool edge_x = a == 0 || a == g->nx, edge_y = b == 0 || b == g->ny;
    *x = g->x0 + a * g->step_x + (edge_x ? 0 : 0.3 * g->step_x * (rnd(T_WARD, a, b) - 0.5));
    *y = g->y0 + b * g->step_y + (edge_y ? 0 : 0.3 * g->step_y * (rnd(T_WARD, b, a + 7777) - 0.5));
}

static void write_ward(const ward_grid_t *g, layer_t *L, uint32_t a, uint32_t b)
{
    static const int ring[5][2] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 0 }, { 0, 0 } };
    for (int k = 0; k < 5; k++) {
        double x, y;
        ward_corner(g, a + (uint32_t)ring[k][0], b + (uint32_t)ring[k][1], &x, &y);
        if (push_xy(L, x, y))
            g_write_failed = 1;
    }
    int rec = flush_shape(L, SHPT_POLYGON, 4);
    uint32_t id = b * g->nx + a + 1;
    char code[16], name[48], nbhd[48];
    snprintf(code, sizeof code, "E05%06" PRIu32, id);
    snprintf(name, sizeof name, "Synthetic Ward %" PRIu32, id);
    snprintf(nbhd, sizeof nbhd, "Neighbourhood %" PRIu32 "-%" PRIu32, a / 3 + 1, b / 3 + 1);
    if (rec < 0 || !DBFWriteStringAttribute(L->dbf, rec, 0, code) ||
        !DBFWriteStringAttribute(L->dbf, rec, 1, name) ||
        !DBFWriteStringAttribute(L->dbf, rec, 2, nbhd))
        g_write_failed = 1;
}

static int write_wards(const town_t *t, const char *dir, uint32_t *n_wards)
{
    layer_t L;
    static const char *const f[] = { "ward_code", "ward_name", "nbhd" };
    static const int w[] = { 9, 32, 32 };
    if (layer_open(&L, dir, "wards", SHPT_POLYGON, 3, f, "CCC", w))
        return -1;
    double pad = 500.0, wx = t->colx[t->nx] + 2 * pad, wy = t->rowy[t->ny] + 2 * pad;
    ward_grid_t g = { ORIGIN_X - pad, ORIGIN_Y - pad, 0, 0,
                      (uint32_t)ceil(wx / WARD_M), (uint32_t)ceil(wy / WARD_M) };
    g.step_x = wx / g.nx;
    g.step_y = wy / g.ny;
    for (uint32_t b = 0; b < g.ny; b++)
        for (uint32_t a = 0; a < g.nx; a++)
            write_ward(&g, &L, a, b);
    *n_wards = g.nx * g.ny;
    layer_close(&L);
    return g_write_failed ? -1 : 0;
}

/* ---- water (for maps; greenreach does not read it) ---- */

static int write_water(const town_t *t, const char *dir)
{
    layer_t L;
    static const char *const f[] = { "name" };
    static const int w[] = { 24 };
    if (layer_open(&L, dir, "water", SHPT_POLYGON, 1, f, "C", w))
        return -1;
    for (int k = 0; k < t->n_bar; k++) {
        const barrier_t *b = &t->bar[k];
        if (b->is_motorway)
            continue;
        double len = b->is_vertical ? t->rowy[t->ny] : t->colx[t->nx];
        for (int side = 0; side < 2; side++) {
            for (int s = 0; s <= 400; s++) {
                double a = len * (side ? 400 - s : s) / 400.0;
                double off = b->c0 + b->a1 * sin(2 * PI * a / b->l1 + b->p1) +
                             b->a2 * sin(2 * PI * a / b->l2 + b->p2) +
                             (side ? -b->half_w : b->half_w);
                add_plan(t, &L, b->is_vertical ? off : a, b->is_vertical ? a : off);
            }
        }
        if (push_xy(&L, L.x[0], L.y[0]))
            g_write_failed = 1;
        int rec = flush_shape(&L, SHPT_POLYGON, 4);
        char name[24];
        snprintf(name, sizeof name, "River %d", k + 1);
        if (rec < 0 || !DBFWriteStringAttribute(L.dbf, rec, 0, name))
            g_write_failed = 1;
    }
    layer_close(&L);
    return g_write_failed ? -1 : 0;
}

/* ---- configs ---- */

/* town.ini runs every shipped category and target (the defaults) on the
 * town; town_park.ini only the park category and its two targets, the job
 * the pgRouting benchmark repeats. */
static int write_ini(const char *dir, const char *name, uint64_t seed, bool is_all)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "; synthetic town written by gr_gen_town (seed %" PRIu64 ")\n", seed);
    fprintf(f, "[wards]\npath = %s/wards.shp\n\n[paths]\npath = %s/paths.shp\n\n"
               "[greenspaces]\npath = %s/greenspaces.shp\n\n[residents]\npath = %s/residents.shp\n"
               "no_car_share_field = no_car_shr\n\n"
               "[walk]\nspeed_kmh = 4.8\nthresholds_min = 15,20\n\n",
            dir, dir, dir, dir);
    if (!is_all)
        fputs("[category.park]\nfunctions = park\n\n"
              "[target.park_20]\ncategory = park\nthreshold = 20min\n\n"
              "[target.park_15_lowcar]\ncategory = park\nthreshold = 15min\n"
              "population = lowcar\n\n", f);
    fprintf(f, "[output]\ndir = %s/out%s\n", dir, is_all ? "" : "_park");
    return fclose(f);
}

/* ---- command line ---- */

typedef struct {
    uint64_t seed, edges, residents;
    const char *out;
} opts_t;

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *v = x;
    return 0;
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
    *o = (opts_t){ 1, 50000, 15000, NULL };
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
        int bad = !v;
        if (!bad && strcmp(a, "--seed") == 0)
            bad = parse_u64(v, &o->seed);
        else if (!bad && strcmp(a, "--edges") == 0)
            bad = parse_u64(v, &o->edges) || o->edges > 200000000ULL;
        else if (!bad && strcmp(a, "--residents") == 0)
            bad = parse_u64(v, &o->residents) || o->residents > 100000000ULL;
        else if (!bad && strcmp(a, "--out") == 0)
            o->out = v;
        else
            bad = 1;
        if (bad)
            return -1;
        k++;
    }
    return o->out ? 0 : -1;
}

static int make_dir(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0777);
            *s = '/';
        }
    }
    return (mkdir(p, 0777) == 0 || errno == EEXIST) ? 0 : -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void town_free(town_t *t)
{
    free(t->colx);
    free(t->rowy);
    free(t->cell);
    free(t->sid);
    free(t->hs);
    free(t->vs);
}

int main(int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, &o)) {
        fputs("usage: gr_gen_town --seed S --edges N --residents M --out DIR\n"
              "  Writes a synthetic town (shapefiles in EPSG:27700, town.ini, town_park.ini)\n"
              "  with about N walkable path segments and exactly M resident points.\n", stderr);
        return 2;
    }
    double t0 = now_s();
    char dir[4096];
    if (make_dir(o.out) || !realpath(o.out, dir)) {
        fprintf(stderr, "gr_gen_town: %s: cannot create folder: %s\n", o.out, strerror(errno));
        return 1;
    }
    g_seed = mix64(o.seed);
    setup_hooks();
    town_t t = { 0 };
    uint64_t segments = 0;
    uint32_t n_sites = 0, n_wards = 0;
    int rc = town_init(&t, o.edges);
    if (!rc) {
        classify_cells(&t);
        decide_sides(&t);
        rc = write_paths(&t, dir, &segments) || write_sites(&t, dir, &n_sites) ||
             write_residents(&t, dir, o.residents) || write_wards(&t, dir, &n_wards) ||
             write_water(&t, dir) || write_ini(dir, "town.ini", o.seed, true) ||
             write_ini(dir, "town_park.ini", o.seed, false);
    }
    if (rc) {
        fprintf(stderr, "gr_gen_town: %s: cannot write the town (out of memory or disk?)\n", dir);
        town_free(&t);
        return 1;
    }
    printf("gr_gen_town: seed %" PRIu64 ", %ux%u blocks (%.1f x %.1f km), %" PRIu64
           " walkable segments, %u sites, %" PRIu64 " residents, %u wards, %.1f s -> %s\n",
           o.seed, t.nx, t.ny, t.colx[t.nx] / 1000.0, t.rowy[t.ny] / 1000.0, segments, n_sites,
           o.residents, n_wards, now_s() - t0, dir);
    town_free(&t);
    return 0;
}
