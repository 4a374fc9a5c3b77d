#include "greenreach/map.h"

#include "greenreach/density.h"

#include <cairo.h>
#include <png.h>
#include <zlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gr_map_names[GR_MAP_COUNT] = {
    "ward_share", "catchments", "unserved", "meadow_orchard"
};
const char *const gr_map_captions[GR_MAP_COUNT] = {
    "Wards shaded by the share of residents within the longest walk of a park",
    "The path network reached on foot from park entrances",
    "Residents beyond the longest walk of a park (circle area ~ population)",
    "Meadow and orchard provision per ward"
};

/* Map frame: data extent to pixels, y up. */
typedef struct {
    double minx, miny, scale, margin;
    int w, h;
} frame_t;

static void to_px(const frame_t *f, double x, double y, double *px, double *py)
{
    *px = f->margin + (x - f->minx) * f->scale;
    *py = f->h - f->margin - (y - f->miny) * f->scale;
}

static frame_t make_frame(const gr_run_t *run, int width_px)
{
    const gr_wards_t *w = &run->ds->wards;
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (uint32_t i = 0; i < w->n; i++) {
        double a, b, c, d;
        GEOSGeom_getXMin_r(run->gh, w->geom[i], &a);
        GEOSGeom_getYMin_r(run->gh, w->geom[i], &b);
        GEOSGeom_getXMax_r(run->gh, w->geom[i], &c);
        GEOSGeom_getYMax_r(run->gh, w->geom[i], &d);
        minx = fmin(minx, a), miny = fmin(miny, b), maxx = fmax(maxx, c), maxy = fmax(maxy, d);
    }
    frame_t f = { minx, miny, 1.0, 20.0, width_px, width_px };
    double dx = fmax(maxx - minx, 1.0), dy = fmax(maxy - miny, 1.0);
    f.scale = (width_px - 2 * f.margin) / dx;
    f.h = (int)(dy * f.scale + 2 * f.margin);
    if (f.h > 2 * width_px) { /* very tall areas: fit the height instead */
        f.h = 2 * width_px;
        f.scale = (f.h - 2 * f.margin) / dy;
    }
    return f;
}

static void ring_path(cairo_t *cr, const frame_t *f, GEOSContextHandle_t gh, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gh, ring);
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(gh, cs, &n))
        return;
    for (unsigned int k = 0; k < n; k++) {
        double x, y, px, py;
        GEOSCoordSeq_getXY_r(gh, cs, k, &x, &y);
        to_px(f, x, y, &px, &py);
        if (k == 0)
            cairo_move_to(cr, px, py);
        else
            cairo_line_to(cr, px, py);
    }
    cairo_close_path(cr);
}

/* Adds every ring of a (multi)polygon to the current path; holes are kept
 * by the even-odd fill rule. */
static void polygon_path(cairo_t *cr, const frame_t *f, GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    int n = GEOSGetNumGeometries_r(gh, g);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(gh, g, i);
        if (GEOSGeomTypeId_r(gh, p) != GEOS_POLYGON)
            continue;
        ring_path(cr, f, gh, GEOSGetExteriorRing_r(gh, p));
        int holes = GEOSGetNumInteriorRings_r(gh, p);
        for (int h = 0; h < holes; h++)
            ring_path(cr, f, gh, GEOSGetInteriorRingN_r(gh, p, h));
    }
}

static void rgb(cairo_t *cr, unsigned hex, double alpha)
{
    cairo_set_source_rgba(cr, ((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0,
                          (hex & 255) / 255.0, alpha);
}

static void draw_wards(cairo_t *cr, const frame_t *f, const gr_run_t *run, const unsigned *fill)
{
    const gr_wards_t *w = &run->ds->wards;
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (uint32_t i = 0; i < w->n; i++) {
        cairo_new_path(cr);
        polygon_path(cr, f, run->gh, w->geom[i]);
        if (fill) {
            rgb(cr, fill[i], 1.0);
            cairo_fill_preserve(cr);
        }
        rgb(cr, 0x555555, 1.0);
        cairo_set_line_width(cr, 1.0);
        cairo_stroke(cr);
    }
}

static void draw_sites(cairo_t *cr, const frame_t *f, const gr_run_t *run, int cat, unsigned color)
{
    const gr_sites_t *s = &run->ds->sites;
    const gr_category_t *c = &run->cfg.categories[cat];
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (uint32_t i = 0; i < s->n; i++) {
        if (!gr_category_has_site(c, s->function[i], s->play_class[i], s->area_m2[i]))
            continue;
        cairo_new_path(cr);
        polygon_path(cr, f, run->gh, s->geom[i]);
        rgb(cr, color, 0.85);
        cairo_fill_preserve(cr);
        rgb(cr, 0x1b4d2b, 1.0);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
    }
}

typedef struct {
    unsigned color;
    const char *label;
} legend_item_t;

static void draw_legend(cairo_t *cr, const frame_t *f, const legend_item_t *items, int n)
{
    double x = 10, y = f->h - 10 - 18.0 * n, w = 0;
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 12);
    for (int i = 0; i < n; i++) {
        cairo_text_extents_t te;
        cairo_text_extents(cr, items[i].label, &te);
        w = fmax(w, te.x_advance);
    }
    rgb(cr, 0xffffff, 0.85);
    cairo_rectangle(cr, x - 4, y - 6, w + 30, 18.0 * n + 8);
    cairo_fill(cr);
    for (int i = 0; i < n; i++, y += 18) {
        rgb(cr, items[i].color, 1.0);
        cairo_rectangle(cr, x, y, 14, 12);
        cairo_fill(cr);
        rgb(cr, 0x222222, 1.0);
        cairo_move_to(cr, x + 20, y + 11);
        cairo_show_text(cr, items[i].label);
    }
}

static void label_at(cairo_t *cr, const frame_t *f, GEOSContextHandle_t gh, const GEOSGeometry *g,
                     const char *text)
{
    GEOSGeometry *p = GEOSPointOnSurface_r(gh, g);
    double x, y, px, py;
    if (p && GEOSGeomGetX_r(gh, p, &x) == 1 && GEOSGeomGetY_r(gh, p, &y) == 1) {
        cairo_text_extents_t te;
        to_px(f, x, y, &px, &py);
        cairo_set_font_size(cr, 11);
        cairo_text_extents(cr, text, &te);
        rgb(cr, 0x000000, 1.0);
        cairo_move_to(cr, px - te.width / 2, py + te.height / 2);
        cairo_show_text(cr, text);
    }
    GEOSGeom_destroy_r(gh, p);
}

static unsigned share_color(double share, double level)
{
    if (share >= level)
        return 0x2e7d32;
    if (share >= 0.9)
        return 0x9ccc65;
    if (share >= 0.75)
        return 0xffd54f;
    return share >= 0.5 ? 0xff8a65 : 0xd32f2f;
}

static int map_ward_share(cairo_t *cr, const frame_t *f, const gr_run_t *run, int cat)
{
    const gr_coverage_t *cv = run->cats[cat].cov;
    uint32_t t = cv->n_thr - 1;
    unsigned *fill = malloc((size_t)cv->n_wards * sizeof *fill + 1);
    if (!fill)
        return -1;
    for (uint32_t w = 0; w < cv->n_wards; w++)
        fill[w] = cv->pop[w] > 0 ? share_color(gr_coverage_share(cv, w, t), 0.97) : 0xdddddd;
    draw_wards(cr, f, run, fill);
    free(fill);
    for (uint32_t w = 0; w < cv->n_wards; w++) {
        char text[32];
        snprintf(text, sizeof text, "%.0f%%", 100.0 * gr_coverage_share(cv, w, t));
        label_at(cr, f, run->gh, run->ds->wards.geom[w], text);
    }
    static const legend_item_t items[] = {
        { 0x2e7d32, "97% or more" }, { 0x9ccc65, "90-97%" }, { 0xffd54f, "75-90%" },
        { 0xff8a65, "50-75%" }, { 0xd32f2f, "under 50%" }
    };
    draw_legend(cr, f, items, 5);
    return 0;
}

/* Maps with more features than a quarter of their pixels are drawn as
 * density (density.h): each feature is then a fraction of a pixel, and
 * Cairo's per-feature tessellation was most of a national run. Smaller
 * maps keep exact vector strokes. */
#define DENSE_FEATURES_PER_PX 0.25

static bool is_dense(const frame_t *f, uint32_t n_features)
{
    return (double)n_features > DENSE_FEATURES_PER_PX * f->w * f->h;
}

/* Where line segments go: Cairo's current path, or a density mask. */
typedef struct {
    cairo_t *cr;
    gr_density_t *dm;   /* NULL: vector */
    double width;
} pen_t;

static void pen_segment(pen_t *p, double ax, double ay, double bx, double by)
{
    if (p->dm) {
        gr_density_line(p->dm, ax, ay, bx, by, p->width);
        return;
    }
    cairo_move_to(p->cr, ax, ay);
    cairo_line_to(p->cr, bx, by);
}

/* Draws what the pen collected in the current source colour. */
static int pen_finish(pen_t *p)
{
    if (p->dm)
        return gr_density_paint(p->dm, p->cr);
    cairo_set_line_width(p->cr, p->width);
    cairo_stroke(p->cr);
    return 0;
}

/* The part of each edge within thr_m of a site: from either end as far as
 * the remaining distance allows (partial edges cut exactly). */
static void pen_reached(pen_t *p, const frame_t *f, const gr_run_t *run, int cat, double thr_m)
{
    const gr_graph_t *g = run->g;
    const gr_field_t *fd = run->cats[cat].field;
    for (uint32_t e = 0; e < g->n_edges; e++) {
        uint32_t u = g->edge_u[e], v = g->edge_v[e];
        double len = g->edge_len_m[e], ru = thr_m - fd->dist_m[u], rv = thr_m - fd->dist_m[v];
        if (!(ru > 0) && !(rv > 0))
            continue;
        double ax, ay, bx, by;
        to_px(f, g->x[u], g->y[u], &ax, &ay);
        to_px(f, g->x[v], g->y[v], &bx, &by);
        if (ru + rv >= len) {
            pen_segment(p, ax, ay, bx, by);
            continue;
        }
        if (ru > 0)
            pen_segment(p, ax, ay, ax + (bx - ax) * ru / len, ay + (by - ay) * ru / len);
        if (rv > 0)
            pen_segment(p, bx, by, bx + (ax - bx) * rv / len, by + (ay - by) * rv / len);
    }
}

static void pen_network(pen_t *p, const frame_t *f, const gr_graph_t *g)
{
    for (uint32_t e = 0; e < g->n_edges; e++) {
        double ax, ay, bx, by;
        to_px(f, g->x[g->edge_u[e]], g->y[g->edge_u[e]], &ax, &ay);
        to_px(f, g->x[g->edge_v[e]], g->y[g->edge_v[e]], &bx, &by);
        pen_segment(p, ax, ay, bx, by);
    }
}

const char *gr_map_caption(const gr_run_t *run, gr_map_kind_t kind)
{
    if (kind == GR_MAP_CATCHMENT && run->cfg.walk_mode == GR_WALK_STRAIGHT)
        return "Straight-line distance bands around parks ([walk] mode = straight)";
    return gr_map_captions[kind];
}

/* Straight mode: every site of the category buffered by thr_m, the area a
 * straight-line distance counts as within it, in one translucent colour
 * (drawn opaque into a group first, so overlaps do not darken). */
static int fill_bands(cairo_t *cr, const frame_t *f, const gr_run_t *run, int cat, double thr_m,
                      unsigned color)
{
    const gr_sites_t *s = &run->ds->sites;
    const gr_category_t *c = run->cats[cat].cat;
    int rc = 0;
    cairo_push_group(cr);
    rgb(cr, color, 1.0);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (uint32_t i = 0; i < s->n && !rc; i++) {
        if (!gr_category_has_site(c, s->function[i], s->play_class[i], s->area_m2[i]))
            continue;
        GEOSGeometry *b = GEOSBuffer_r(run->gh, s->geom[i], thr_m, 8);
        rc = b ? 0 : -1;
        cairo_new_path(cr);
        if (b)
            polygon_path(cr, f, run->gh, b);
        cairo_fill(cr);
        GEOSGeom_destroy_r(run->gh, b);
    }
    cairo_pop_group_to_source(cr);
    cairo_paint_with_alpha(cr, 0.55);
    return rc;
}

static int map_catchment(cairo_t *cr, const frame_t *f, const gr_run_t *run, int cat)
{
    const gr_category_t *c = run->cats[cat].cat;
    bool is_straight = run->cfg.walk_mode == GR_WALK_STRAIGHT;
    pen_t pen = { cr, NULL, 0.5 };
    if (is_dense(f, run->g->n_edges) && !(pen.dm = gr_density_new(f->w, f->h)))
        return -1;
    draw_wards(cr, f, run, NULL);
    rgb(cr, 0xbbbbbb, 1.0);
    pen_network(&pen, f, run->g);
    int rc = pen_finish(&pen);
    static const unsigned colors[] = { 0x1b5e20, 0x66bb6a, 0xa5d6a7 };
    legend_item_t items[GR_MAX_THRESHOLDS + 1];
    char labels[GR_MAX_THRESHOLDS][48];
    int n = 0;
    for (int t = c->n_thr - 1; t >= 0 && !rc; t--, n++) {
        unsigned color = colors[t < 3 ? t : 2];
        pen.width = 2.0 - 0.4 * t;
        rgb(cr, color, 1.0);
        if (is_straight) {
            rc = fill_bands(cr, f, run, cat, c->thr_m[t], color);
        } else {
            pen_reached(&pen, f, run, cat, c->thr_m[t]);
            rc = pen_finish(&pen);
        }
        snprintf(labels[n], sizeof labels[n], "within %s%s", c->thr_label[t],
                 is_straight ? " (straight line)" : "");
        items[n] = (legend_item_t){ color, labels[n] };
    }
    gr_density_free(pen.dm);
    if (rc)
        return rc;
    draw_sites(cr, f, run, cat, 0x43a047);
    items[n++] = (legend_item_t){ 0xbbbbbb, is_straight ? "paths" : "not reached" };
    draw_legend(cr, f, items, n);
    return 0;
}

/* Residents as dots, served ones small and grey, the rest sized by
 * population; dense maps add them to two density masks instead. */
static int draw_residents(cairo_t *cr, const frame_t *f, const gr_run_t *run, int cat)
{
    const gr_residents_t *R = &run->ds->residents;
    const float *d = run->cats[cat].res_dist_m;
    double thr = gr_category_max_m(run->cats[cat].cat);
    gr_density_t *served = NULL, *beyond = NULL;
    if (is_dense(f, R->n) && (!(served = gr_density_new(f->w, f->h)) ||
                              !(beyond = gr_density_new(f->w, f->h)))) {
        gr_density_free(served);
        return -1;
    }
    for (uint32_t i = 0; i < R->n; i++) {
        double px, py;
        to_px(f, R->x[i], R->y[i], &px, &py);
        bool is_served = d[i] <= thr;
        double r = is_served ? 0.8 : 1.0 + sqrt(R->pop[i]) * 0.6;
        if (served) {
            gr_density_dot(is_served ? served : beyond, px, py, r);
            continue;
        }
        cairo_new_path(cr);
        cairo_arc(cr, px, py, r, 0, 6.283185307179586);
        rgb(cr, is_served ? 0x9e9e9e : 0xc62828, is_served ? 0.6 : 0.7);
        cairo_fill(cr);
    }
    int rc = 0;
    if (served) {
        rgb(cr, 0x9e9e9e, 0.6);
        rc = gr_density_paint(served, cr);
        rgb(cr, 0xc62828, 0.7);
        rc |= gr_density_paint(beyond, cr);
    }
    gr_density_free(served);
    gr_density_free(beyond);
    return rc;
}

static int map_unserved(cairo_t *cr, const frame_t *f, const gr_run_t *run, int cat)
{
    draw_wards(cr, f, run, NULL);
    draw_sites(cr, f, run, cat, 0x43a047);
    if (draw_residents(cr, f, run, cat))
        return -1;
    static const legend_item_t items[] = { { 0xc62828, "residents beyond the walk" },
                                           { 0x9e9e9e, "residents served" },
                                           { 0x43a047, "sites" } };
    draw_legend(cr, f, items, 3);
    return 0;
}

/* Site counts per ward from the presence target on category `name`. */
static const gr_target_result_t *presence_of(const gr_targets_t *tg, const char *name)
{
    for (int i = 0; tg && i < tg->n; i++)
        if (tg->res[i].target->kind == GR_TARGET_PRESENCE && strcmp(tg->res[i].cat->name, name) == 0)
            return &tg->res[i];
    return NULL;
}

static int map_meadow_orchard(cairo_t *cr, const frame_t *f, const gr_run_t *run, const gr_targets_t *tg)
{
    const gr_target_result_t *m = presence_of(tg, "meadow"), *o = presence_of(tg, "orchard");
    uint32_t n = run->ds->wards.n;
    unsigned *fill = malloc((size_t)n * sizeof *fill + 1);
    if (!fill)
        return -1;
    for (uint32_t w = 0; w < n; w++) {
        bool has_m = m && m->ward[w].n_sites > 0, has_o = o && o->ward[w].n_sites > 0;
        fill[w] = has_m && has_o ? 0x66bb6a : has_m ? 0xd4c95a : has_o ? 0x7fb3d5 : 0xe57373;
    }
    draw_wards(cr, f, run, fill);
    free(fill);
    int mc = gr_config_category(&run->cfg, "meadow"), oc = gr_config_category(&run->cfg, "orchard");
    if (mc >= 0)
        draw_sites(cr, f, run, mc, 0xf0e68c);
    if (oc >= 0)
        draw_sites(cr, f, run, oc, 0x1565c0);
    static const legend_item_t items[] = {
        { 0x66bb6a, "meadow and orchard" }, { 0xd4c95a, "meadow only" },
        { 0x7fb3d5, "orchard only" }, { 0xe57373, "neither" }
    };
    draw_legend(cr, f, items, 4);
    return 0;
}

static void png_sink(png_structp p, png_bytep data, png_size_t len)
{
    gr_png_t *png = png_get_io_ptr(p);
    unsigned char *d = realloc(png->data, png->len + len);
    if (!d)
        png_error(p, "out of memory");
    memcpy(d + png->len, data, len);
    png->data = d;
    png->len += len;
}

static void png_flush(png_structp p)
{
    (void)p;
}

/* Encodes the surface with libpng at a fast compression level: cairo's own
 * PNG writer compresses hard, which cost a third of a whole run. */
static int encode_png(cairo_surface_t *s, gr_png_t *out)
{
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *px = cairo_image_surface_get_data(s);
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    unsigned char *row = malloc((size_t)w * 3 + 1);
    volatile int rc = (!p || !info || !row) ? -1 : 0;
    if (rc == 0 && setjmp(png_jmpbuf(p)) == 0) {
        png_set_write_fn(p, out, png_sink, png_flush);
        /* maps are flat colour: one cheap filter and run-length deflate are fast
         * and compress well (libpng tries every filter on every row by default) */
        png_set_compression_strategy(p, Z_RLE);
        png_set_compression_level(p, 6);
        png_set_filter(p, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
        png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(p, info);
        for (int y = 0; y < h; y++) {
            const uint32_t *src = (const uint32_t *)(const void *)(px + (size_t)y * stride);
            for (int x = 0; x < w; x++) {   /* CAIRO_FORMAT_RGB24: 0x00RRGGBB */
                row[3 * x] = (unsigned char)(src[x] >> 16);
                row[3 * x + 1] = (unsigned char)(src[x] >> 8);
                row[3 * x + 2] = (unsigned char)src[x];
            }
            png_write_row(p, row);
        }
        png_write_end(p, NULL);
    } else {
        rc = -1;
    }
    png_destroy_write_struct(&p, &info);
    free(row);
    return rc;
}

int gr_map_render(const gr_run_t *run, const gr_targets_t *tg, int cat, gr_map_kind_t kind,
                  int width_px, gr_png_t *out, gr_error_t *err)
{
    *out = (gr_png_t){ NULL, 0 };
    frame_t f = make_frame(run, width_px);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, f.w, f.h);
    cairo_t *cr = cairo_create(s);
    rgb(cr, 0xffffff, 1.0);
    cairo_paint(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    int rc = kind == GR_MAP_WARD_SHARE  ? map_ward_share(cr, &f, run, cat)
             : kind == GR_MAP_CATCHMENT ? map_catchment(cr, &f, run, cat)
             : kind == GR_MAP_UNSERVED  ? map_unserved(cr, &f, run, cat)
                                        : map_meadow_orchard(cr, &f, run, tg);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    if (rc == 0)
        rc = encode_png(s, out);
    cairo_surface_destroy(s);
    if (rc) {
        gr_png_free(out);
        return gr_error_set(err, GR_ENOMEM, "cannot render the %s map", gr_map_names[kind]);
    }
    return 0;
}

void gr_png_free(gr_png_t *png)
{
    if (!png)
        return;
    free(png->data);
    png->data = NULL;
    png->len = 0;
}
