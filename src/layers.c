#include "greenreach/layers.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "greenreach/export.h"
#include "greenreach/gpkg_geom.h"
#include "greenreach/gpkg_points.h"
#include "greenreach/wardtable.h"

#define MAX_FIELDS 512

/* ---- the first GDAL failure of a write, for the one-line error ---- */

typedef struct {
    char msg[512];
} gdal_errs_t;

static void CPL_STDCALL on_gdal_error(CPLErr cls, CPLErrorNum no, const char *msg)
{
    gdal_errs_t *e = CPLGetErrorHandlerUserData();
    (void)no;
    if (e && cls >= CE_Failure && !e->msg[0])
        snprintf(e->msg, sizeof e->msg, "%s", msg);
}

/* ---- an OGR sink: creates fields from the first row, then sets them ---- */

typedef struct {
    gr_sink_t base;
    OGRLayerH lyr;
    OGRFeatureH f;           /* NULL while creating the schema */
    int col, bad;
    int is_short;            /* Shapefile: names cut to 10 characters */
    char (*used)[11];        /* [MAX_FIELDS] short names given out */
    FILE *map;               /* Shapefile: layer,field,shp_field lines */
    const char *layer;
} ogr_sink_t;

static void add_field(ogr_sink_t *o, const char *name, OGRFieldType type)
{
    char shp[11];
    if (o->col >= MAX_FIELDS) {
        o->bad = 1;
        return;
    }
    if (o->is_short) {
        gr_layers_short_name(name, o->used, o->col, shp);
        memcpy(o->used[o->col], shp, sizeof shp);
        if (o->map)
            fprintf(o->map, "%s,%s,%s\n", o->layer, name, shp);
    }
    OGRFieldDefnH fd = OGR_Fld_Create(o->is_short ? shp : name, type);
    o->bad |= OGR_L_CreateField(o->lyr, fd, 0) != OGRERR_NONE;
    OGR_Fld_Destroy(fd);
}

static void ogr_text(gr_sink_t *s, const char *name, const char *v, int is_quoted)
{
    ogr_sink_t *o = (ogr_sink_t *)s;
    (void)is_quoted;
    if (!o->f)
        add_field(o, name, OFTString);
    else if (v)
        OGR_F_SetFieldString(o->f, o->col, v);
    else
        OGR_F_SetFieldNull(o->f, o->col);
    o->col++;
}

static void set_num(ogr_sink_t *o, double v, int decimals, int is_null)
{
    long long whole = 0;
    switch (gr_sink_num_kind(v, decimals, is_null, &whole)) {
    case GR_CELL_NULL: OGR_F_SetFieldNull(o->f, o->col); break;
    case GR_CELL_WHOLE: OGR_F_SetFieldInteger64(o->f, o->col, (GIntBig)whole); break;
    case GR_CELL_REAL: OGR_F_SetFieldDouble(o->f, o->col, v); break;
    }
}

static void ogr_num(gr_sink_t *s, const char *name, double v, int decimals, int is_null)
{
    ogr_sink_t *o = (ogr_sink_t *)s;
    if (!o->f)
        add_field(o, name, decimals == 0 ? OFTInteger64 : OFTReal);
    else
        set_num(o, v, decimals, is_null);
    o->col++;
}

/* ---- the layers: each emits row i's cells, and gives its geometry ----
 * Row GR_NONE emits every column with null values: the schema. */

typedef struct {
    const gr_layers_src_t *src;
    GEOSContextHandle_t gh;  /* the layers' own: geometries are only read */
    uint32_t *pairs;         /* unserved: (category << 24 | resident)... */
    uint32_t n_pairs;
    double *site_pop;        /* sites: [site * n_cols + col] */
    int n_site_cols;
    /* residents: per category the names of its <cat>_dist_m, <cat>_site and
     * <cat>_<label> columns, printed once rather than per row */
    char res_names[GR_MAX_CATEGORIES][2 + GR_MAX_THRESHOLDS][GR_NAME_MAX + 32];
} rows_t;

static OGRGeometryH from_geos(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    size_t n = 0;
    unsigned char *wkb = GEOSGeomToWKB_buf_r(gh, g, &n);
    OGRGeometryH og = NULL;
    if (wkb && OGR_G_CreateFromWkb(wkb, NULL, &og, (int)n) != OGRERR_NONE)
        og = NULL;
    GEOSFree_r(gh, wkb);
    return og ? OGR_G_ForceToMultiPolygon(og) : NULL;
}

static uint32_t catchments_count(const rows_t *r)
{
    return r->src->cs ? (uint32_t)r->src->cs->n : 0;
}

static int count_holes(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    int holes = 0;
    for (int i = 0; i < GEOSGetNumGeometries_r(gh, g); i++)
        holes += GEOSGetNumInteriorRings_r(gh, GEOSGetGeometryN_r(gh, g, i));
    return holes;
}

static void catchments_row(const rows_t *r, uint32_t i, gr_sink_t *s)
{
    const gr_catchments_t *cs = r->src->cs;
    const gr_catchment_t *k = i == GR_NONE ? NULL : &cs->c[i];
    GEOSContextHandle_t gh = r->gh;
    const gr_category_t *cat = k ? r->src->run->cats[k->cat].cat : NULL;
    int z = !k;
    s->text(s, "category", k ? cat->name : NULL, 1);
    s->text(s, "threshold", k ? cat->thr_label[k->thr] : NULL, 0);
    s->num(s, "threshold_m", k ? k->thr_m : 0, 0, z);
    s->num(s, "buffer_m", cs ? cs->opt.buffer_m : 0, 1, z);
    s->num(s, "area_m2", k ? k->area_m2 : 0, 0, z);
    s->num(s, "parts", k ? GEOSGetNumGeometries_r(gh, k->geom) : 0, 0, z);
    s->num(s, "holes", k ? count_holes(gh, k->geom) : 0, 0, z);
}

static const GEOSGeometry *catchments_geom(const rows_t *r, uint32_t i)
{
    return r->src->cs->c[i].geom;
}

static uint32_t wards_count(const rows_t *r)
{
    return r->src->run->ds->wards.n;
}

static void wards_row(const rows_t *r, uint32_t i, gr_sink_t *s)
{
    const gr_run_t *run = r->src->run;
    gr_wardtable_row(run, r->src->tg, r->src->cs, i == GR_NONE ? run->ds->wards.n : i, s);
}

static const GEOSGeometry *wards_geom(const rows_t *r, uint32_t i)
{
    return r->src->run->ds->wards.geom[i];
}

static uint32_t residents_count(const rows_t *r)
{
    return r->src->run->ds->residents.n;
}

static void residents_row(const rows_t *r, uint32_t i, gr_sink_t *s)
{
    const gr_run_t *run = r->src->run;
    const gr_residents_t *R = &run->ds->residents;
    int z = i == GR_NONE;
    s->num(s, "source_fid", z ? 0 : (double)R->fid[i], 0, z);
    s->num(s, "home_fid", z ? 0 : (double)R->home_fid[i], 0, z || R->home_fid[i] < 0);
    s->num(s, "population", z ? 0 : R->pop[i], 3, z);
    s->text(s, "ward_code", z || run->res_ward[i] == GR_NONE ? NULL
                                                            : run->ds->wards.code[run->res_ward[i]], 1);
    s->num(s, "snapped", z ? 0 : run->res_snapped[i], 0, z);
    s->num(s, "snap_offset_m", z ? 0 : run->res_snap[i].offset_m, 3, z || !run->res_snapped[i]);
    for (int c = 0; c < run->n_cats; c++) {
        const gr_cat_result_t *cr = &run->cats[c];
        float d = z ? INFINITY : cr->res_dist_m[i];
        s->num(s, r->res_names[c][0], d, 3, !isfinite(d));
        s->text(s, r->res_names[c][1], z || cr->res_site[i] == GR_NONE ? NULL
                                       : run->ds->sites.site_id[cr->res_site[i]], 1);
        for (int t = 0; t < cr->cat->n_thr; t++)
            s->num(s, r->res_names[c][2 + t], d <= cr->cat->thr_m[t], 0, z);
    }
}

static void residents_xy(const rows_t *r, uint32_t i, double *x, double *y)
{
    *x = r->src->run->ds->residents.x[i];
    *y = r->src->run->ds->residents.y[i];
}

static void residents_names(rows_t *r)
{
    const gr_run_t *run = r->src->run;
    for (int c = 0; c < run->n_cats; c++) {
        const gr_category_t *cat = run->cats[c].cat;
        snprintf(r->res_names[c][0], sizeof r->res_names[c][0], "%s_dist_m", cat->name);
        snprintf(r->res_names[c][1], sizeof r->res_names[c][1], "%s_site", cat->name);
        for (int t = 0; t < cat->n_thr; t++)
            snprintf(r->res_names[c][2 + t], sizeof r->res_names[c][2 + t], "%s_%s", cat->name,
                     cat->thr_label[t]);
    }
}

/* Unserved rows are (category, resident) pairs, category-major. */
static int unserved_pairs(rows_t *r)
{
    const gr_run_t *run = r->src->run;
    uint32_t n = run->ds->residents.n;
    r->pairs = malloc(((size_t)run->n_cats * n + 1) * 2 * sizeof *r->pairs);
    if (!r->pairs)
        return -1;
    for (int c = 0; c < run->n_cats; c++) {
        const gr_cat_result_t *cr = &run->cats[c];
        double thr = gr_category_max_m(cr->cat);
        for (uint32_t i = 0; cr->n_sites > 0 && i < n; i++)
            if (!(cr->res_dist_m[i] <= thr)) {
                r->pairs[2 * r->n_pairs] = (uint32_t)c;
                r->pairs[2 * r->n_pairs++ + 1] = i;
            }
    }
    return 0;
}

static uint32_t unserved_count(const rows_t *r)
{
    return r->n_pairs;
}

static void unserved_row(const rows_t *r, uint32_t k, gr_sink_t *s)
{
    const gr_run_t *run = r->src->run;
    const gr_residents_t *R = &run->ds->residents;
    int z = k == GR_NONE;
    uint32_t c = z ? 0 : r->pairs[2 * k], i = z ? 0 : r->pairs[2 * k + 1];
    const gr_category_t *cat = run->cats[c].cat;
    float d = z ? INFINITY : run->cats[c].res_dist_m[i];
    s->num(s, "source_fid", z ? 0 : (double)R->fid[i], 0, z);
    s->text(s, "category", z ? NULL : cat->name, 1);
    s->text(s, "threshold", z ? NULL : cat->thr_label[cat->n_thr - 1], 0);
    s->num(s, "population", z ? 0 : R->pop[i], 3, z);
    s->text(s, "ward_code", z || run->res_ward[i] == GR_NONE ? NULL
                                                            : run->ds->wards.code[run->res_ward[i]], 1);
    s->num(s, "snapped", z ? 0 : run->res_snapped[i], 0, z);
    s->num(s, "dist_m", d, 3, !isfinite(d));
}

static void unserved_xy(const rows_t *r, uint32_t k, double *x, double *y)
{
    residents_xy(r, r->pairs[2 * k + 1], x, y);
}

/* Population per site, category and threshold: residents whose nearest
 * site of the category is this one, within the threshold. */
static int site_pops(rows_t *r)
{
    const gr_run_t *run = r->src->run;
    for (int c = 0; c < run->n_cats; c++)
        r->n_site_cols += run->cats[c].cat->n_thr;
    r->site_pop = calloc((size_t)run->ds->sites.n * r->n_site_cols + 1, sizeof *r->site_pop);
    if (!r->site_pop)
        return -1;
    for (int c = 0, col = 0; c < run->n_cats; col += run->cats[c++].cat->n_thr) {
        const gr_cat_result_t *cr = &run->cats[c];
        for (uint32_t i = 0; i < run->ds->residents.n; i++)
            for (int t = 0; cr->res_site[i] != GR_NONE && t < cr->cat->n_thr; t++)
                if (cr->res_dist_m[i] <= cr->cat->thr_m[t])
                    r->site_pop[(size_t)cr->res_site[i] * r->n_site_cols + col + t] +=
                        run->ds->residents.pop[i];
    }
    return 0;
}

static uint32_t sites_count(const rows_t *r)
{
    return r->src->run->ds->sites.n;
}

static void sites_row(const rows_t *r, uint32_t i, gr_sink_t *s)
{
    static const char *const entry[] = { "access_point", "crossing", "nearest_path", "none" };
    const gr_run_t *run = r->src->run;
    const gr_sites_t *S = &run->ds->sites;
    char name[GR_NAME_MAX + 32];
    int z = i == GR_NONE;
    s->text(s, "site_id", z ? NULL : S->site_id[i], 1);
    s->text(s, "function", z ? NULL : S->function[i], 1);
    s->text(s, "play_class", z ? NULL : S->play_class[i], 1);
    s->num(s, "area_m2", z ? 0 : S->area_m2[i], 0, z);
    s->text(s, "entry", z ? NULL : entry[run->ent->site_kind[i]], 0);
    for (int c = 0, col = 0; c < run->n_cats; col += run->cats[c++].cat->n_thr) {
        const gr_category_t *cat = run->cats[c].cat;
        int is_in = !z && gr_category_has_site(cat, S->function[i], S->play_class[i], S->area_m2[i]);
        for (int t = 0; t < cat->n_thr; t++) {
            snprintf(name, sizeof name, "%s_pop_%s", cat->name, cat->thr_label[t]);
            s->num(s, name, is_in ? r->site_pop[(size_t)i * r->n_site_cols + col + t] : 0, 0,
                   !is_in);
        }
    }
}

static const GEOSGeometry *sites_geom(const rows_t *r, uint32_t i)
{
    return r->src->run->ds->sites.geom[i];
}

/* A layer has polygons (geom) or points (xy, NULL otherwise): GeoPackage
 * rows are written in bulk through SQLite (gpkg_points.h), from the same
 * cells, without an OGR geometry per row. */
typedef struct {
    unsigned bit;
    const char *name;
    OGRwkbGeometryType type;
    uint32_t (*count)(const rows_t *r);
    void (*row)(const rows_t *r, uint32_t i, gr_sink_t *s);
    const GEOSGeometry *(*geom)(const rows_t *r, uint32_t i);
    void (*xy)(const rows_t *r, uint32_t i, double *x, double *y);
} layer_def_t;

static const layer_def_t layer_defs[] = {
    { GR_LAYER_CATCHMENTS, "catchments", wkbMultiPolygon, catchments_count, catchments_row,
      catchments_geom, NULL },
    { GR_LAYER_WARDS, "wards", wkbMultiPolygon, wards_count, wards_row, wards_geom, NULL },
    { GR_LAYER_RESIDENTS, "residents", wkbPoint, residents_count, residents_row, NULL,
      residents_xy },
    { GR_LAYER_UNSERVED, "unserved", wkbPoint, unserved_count, unserved_row, NULL, unserved_xy },
    { GR_LAYER_SITES, "sites", wkbMultiPolygon, sites_count, sites_row, sites_geom, NULL },
};
#define N_LAYERS (sizeof layer_defs / sizeof layer_defs[0])

/* ---- writing one layer into an open dataset ---- */

typedef struct {
    const char *driver;        /* GDAL driver */
    const char *const *lco;    /* layer creation options */
    int is_short;              /* field names cut to 10 characters */
} format_t;

static const char *const gpkg_lco[] = { NULL };
static const char *const geojson_lco[] = { "RFC7946=YES", NULL };
static const char *const shp_lco[] = { "ENCODING=UTF-8", NULL };
static const format_t fmt_gpkg = { "GPKG", gpkg_lco, 0 };
static const format_t fmt_geojson = { "GeoJSON", geojson_lco, 0 };
static const format_t fmt_shp = { "ESRI Shapefile", shp_lco, 1 };
static const format_t fmt_pg = { "PostgreSQL", NULL, 0 };

static OGRSpatialReferenceH run_srs(const gr_run_t *run)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    if (OSRSetFromUserInput(srs, run->ds->crs_def) != OGRERR_NONE) {
        OSRRelease(srs);
        return NULL;
    }
    return srs;
}

static OGRGeometryH geometry(const rows_t *r, const layer_def_t *L, uint32_t i)
{
    if (!L->xy)
        return from_geos(r->gh, L->geom(r, i));
    double x, y;
    L->xy(r, i, &x, &y);
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(pt, 0, x, y);
    return pt;
}

static int write_rows(const rows_t *r, const layer_def_t *L, ogr_sink_t *o)
{
    uint32_t n = L->count(r);
    for (uint32_t i = 0; i < n && !o->bad; i++) {
        o->f = OGR_F_Create(OGR_L_GetLayerDefn(o->lyr));
        o->col = 0;
        L->row(r, i, &o->base);
        OGRGeometryH g = geometry(r, L, i);
        if (g)
            OGR_F_SetGeometryDirectly(o->f, g);
        o->bad |= OGR_L_CreateFeature(o->lyr, o->f) != OGRERR_NONE;
        OGR_F_Destroy(o->f);
    }
    return o->bad ? -1 : 0;
}

static int write_layer(GDALDatasetH ds, const format_t *fmt, char **lco, const rows_t *r,
                       const layer_def_t *L, FILE *map)
{
    char used[MAX_FIELDS][11];
    OGRSpatialReferenceH srs = run_srs(r->src->run);
    if (!srs)
        return -1;
    int is_bulk = fmt == &fmt_gpkg;   /* rows and index written after closing */
    char **opts = CSLDuplicate(lco);
    if (is_bulk)
        opts = CSLSetNameValue(opts, "SPATIAL_INDEX", "NO");
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, L->name, srs, L->type, opts);
    CSLDestroy(opts);
    OSRRelease(srs);
    if (!lyr)
        return -1;
    ogr_sink_t o = { .base = { ogr_text, ogr_num, NULL }, .lyr = lyr, .is_short = fmt->is_short,
                     .used = used, .map = map, .layer = L->name };
    L->row(r, GR_NONE, &o.base);
    if (o.bad)
        return -1;
    return is_bulk ? 0 : write_rows(r, L, &o);
}

static char **layer_options(const format_t *fmt, const char *pg_schema)
{
    char **lco = NULL;
    for (int i = 0; fmt->lco && fmt->lco[i]; i++)
        lco = CSLAddString(lco, fmt->lco[i]);
    if (fmt == &fmt_pg) {
        lco = CSLSetNameValue(lco, "OVERWRITE", "YES");
        lco = CSLSetNameValue(lco, "GEOMETRY_NAME", "geom");
        lco = CSLSetNameValue(lco, "SCHEMA", pg_schema);
    }
    return lco;
}

/* Writes the layers in mask into ds, inside one transaction where the
 * driver has them (GeoPackage, PostgreSQL: all layers or none). Any GDAL
 * failure reported on the way fails the write: PostgreSQL turns the COMMIT
 * of an aborted transaction into a ROLLBACK without an error. */
static int write_layers(GDALDatasetH ds, const format_t *fmt, const rows_t *r, unsigned mask,
                        const char *pg_schema, FILE *map, const gdal_errs_t *ge,
                        const char **failed)
{
    char **lco = layer_options(fmt, pg_schema);
    int has_tx = GDALDatasetStartTransaction(ds, 1) == OGRERR_NONE;
    int rc = 0;
    for (size_t k = 0; k < N_LAYERS && !rc; k++) {
        if (!(mask & layer_defs[k].bit))
            continue;
        rc = write_layer(ds, fmt, lco, r, &layer_defs[k], map) || ge->msg[0] ? -1 : 0;
        if (rc)
            *failed = layer_defs[k].name;
    }
    if (has_tx && !rc && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        rc = -1;
    if (has_tx && rc)
        GDALDatasetRollbackTransaction(ds);
    CSLDestroy(lco);
    return rc || ge->msg[0] ? -1 : 0;
}

/* ---- formats ---- */

static int fail(gr_error_t *err, const char *where, const char *layer, const gdal_errs_t *ge)
{
    return gr_error_set(err, GR_EIO, "%s%s%s: cannot write: %s", where, layer ? ", layer " : "",
                        layer ? layer : "", ge->msg[0] ? ge->msg : CPLGetLastErrorMsg());
}

static GDALDatasetH create_ds(const format_t *fmt, const char *path)
{
    GDALDriverH drv = GDALGetDriverByName(fmt->driver);
    return drv ? GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL) : NULL;
}

/* ---- GeoPackage layers in bulk ---- */

typedef struct {
    const rows_t *r;
    const layer_def_t *L;
} bulk_rows_t;

static void point_row(void *ctx, uint32_t i, gr_sink_t *s, double *x, double *y)
{
    const bulk_rows_t *p = ctx;
    p->L->row(p->r, i, s);
    if (i != GR_NONE)
        p->L->xy(p->r, i, x, y);
}

static int polygon_row(void *ctx, uint32_t i, gr_sink_t *s, int32_t srs_id, gr_gpkg_blob_t *blob)
{
    const bulk_rows_t *p = ctx;
    p->L->row(p->r, i, s);
    return i == GR_NONE ? 0
                        : gr_gpkg_multipolygon_blob(p->r->gh, p->L->geom(p->r, i), srs_id, blob);
}

/* The rows of the layers of the GeoPackage at path, which GDAL created
 * empty and closed: far faster through SQLite in bulk. */
static int bulk_rows(const rows_t *r, unsigned mask, const char *path, const char *where,
                     gr_error_t *err)
{
    gr_gpkg_points_layer_t layers[N_LAYERS];
    bulk_rows_t ctx[N_LAYERS];
    int n = 0;
    for (size_t k = 0; k < N_LAYERS; k++) {
        const layer_def_t *L = &layer_defs[k];
        if (!(mask & L->bit))
            continue;
        ctx[n] = (bulk_rows_t){ r, L };
        layers[n] = (gr_gpkg_points_layer_t){ L->name, L->count(r), L->xy ? point_row : NULL,
                                              &ctx[n], L->xy ? NULL : polygon_row };
        n++;
    }
    return gr_gpkg_points_write(path, where, layers, n, err);
}

/* GDAL makes the tables of `mask` in the GeoPackage tmp (a new file, or
 * one made before), then their rows go in in bulk. */
static int gpkg_stage(const rows_t *r, unsigned mask, const char *tmp, const char *where,
                      int is_new, gr_error_t *err)
{
    gdal_errs_t ge = { "" };
    const char *failed = NULL;
    CPLPushErrorHandlerEx(on_gdal_error, &ge);
    GDALDatasetH ds = is_new ? create_ds(&fmt_gpkg, tmp)
                             : GDALOpenEx(tmp, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
    int rc = ds ? write_layers(ds, &fmt_gpkg, r, mask, NULL, NULL, &ge, &failed) : -1;
    if (ds)
        GDALClose(ds);   /* flushes; a failure there lands in ge */
    CPLPopErrorHandler();
    rc = rc || ge.msg[0] ? -1 : 0;
    if (rc)
        return fail(err, where, failed, &ge);
    return bulk_rows(r, mask, tmp, where, err);
}

static void gpkg_paths(const char *dir, const char *name, char *tmp, char *where, size_t n)
{
    gr_export_tmp_name(tmp, n, dir, name);
    strncat(tmp, ".gpkg", n - strlen(tmp) - 1); /* GDAL knows a GeoPackage by it */
    snprintf(where, n, "%s/%s", dir, name);
}

static int write_gpkg(const rows_t *r, unsigned mask, const char *dir, const char *name,
                      gr_error_t *err)
{
    char tmp[GR_PATH_MAX + 64], where[GR_PATH_MAX + 64];
    gpkg_paths(dir, name, tmp, where, sizeof tmp);
    int rc = gpkg_stage(r, mask, tmp, where, 1, err);
    if (rc) {
        remove(tmp);
        return rc;
    }
    return gr_export_commit_path(tmp, dir, name, err);
}

static int write_folder(const rows_t *r, const format_t *fmt, const char *ext, const char *dir,
                        const char *sub, gr_error_t *err)
{
    char tmp[GR_PATH_MAX + 64], path[GR_PATH_MAX + 128], where[GR_PATH_MAX + 64];
    gdal_errs_t ge = { "" };
    const char *failed = NULL;
    gr_export_tmp_name(tmp, sizeof tmp, dir, sub);
    snprintf(where, sizeof where, "%s/%s", dir, sub);
    gr_export_remove_folder(tmp);
    if (mkdir(tmp, 0777) != 0)
        return gr_error_set(err, GR_EIO, "%s: cannot create folder", tmp);
    FILE *map = NULL;
    if (fmt->is_short) {
        snprintf(path, sizeof path, "%s/fields.csv", tmp);
        if ((map = fopen(path, "w")))
            fputs("layer,field,shp_field\n", map);
    }
    int rc = fmt->is_short && !map ? -1 : 0;
    CPLPushErrorHandlerEx(on_gdal_error, &ge);
    for (size_t k = 0; k < N_LAYERS && !rc; k++) {
        if (layer_defs[k].bit == GR_LAYER_CATCHMENTS && !r->src->cs)
            continue;
        snprintf(path, sizeof path, "%s/%s.%s", tmp, layer_defs[k].name, ext);
        GDALDatasetH ds = create_ds(fmt, path);
        rc = ds ? write_layers(ds, fmt, r, layer_defs[k].bit, NULL, map, &ge, &failed) : -1;
        if (ds)
            GDALClose(ds);
        rc = rc || ge.msg[0] ? -1 : 0;
        if (rc)
            failed = layer_defs[k].name;
    }
    CPLPopErrorHandler();
    if (map && fclose(map) != 0)
        rc = -1;
    if (rc) {
        gr_export_remove_folder(tmp);
        return fail(err, where, failed, &ge);
    }
    return gr_export_commit_folder(tmp, dir, sub, err);
}

static int write_postgis(const rows_t *r, unsigned mask, const char *conn, const char *schema,
                         gr_error_t *err)
{
    char pg[GR_PATH_MAX + 8];
    gdal_errs_t ge = { "" };
    const char *failed = NULL;
    snprintf(pg, sizeof pg, "%s%s", strncmp(conn, "PG:", 3) == 0 ? "" : "PG:", conn);
    CPLPushErrorHandlerEx(on_gdal_error, &ge);
    GDALDatasetH ds = GDALOpenEx(pg, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
    int rc = ds ? write_layers(ds, &fmt_pg, r, mask, schema, NULL, &ge, &failed) : -1;
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    return rc ? fail(err, "PostGIS", failed, &ge) : 0;
}

static int rows_init(rows_t *r, const gr_layers_src_t *src, unsigned mask)
{
    memset(r, 0, sizeof *r);
    r->src = src;
    if (!(r->gh = GEOS_init_r()))
        return -1;
    residents_names(r);
    if ((mask & GR_LAYER_UNSERVED) && unserved_pairs(r))
        return -1;
    if ((mask & GR_LAYER_SITES) && site_pops(r))
        return -1;
    return 0;
}

static void rows_free(rows_t *r)
{
    if (r->gh)
        GEOS_finish_r(r->gh);
    free(r->pairs);
    free(r->site_pop);
}

int gr_layers_write_gpkg(const gr_layers_src_t *src, unsigned layers, const char *dir,
                         const char *name, gr_error_t *err)
{
    rows_t r;
    GDALAllRegister();
    if (!src->cs)
        layers &= ~(unsigned)GR_LAYER_CATCHMENTS;
    int rc = rows_init(&r, src, layers) ? gr_error_set(err, GR_ENOMEM, "out of memory for layers")
                                        : write_gpkg(&r, layers, dir, name, err);
    rows_free(&r);
    return rc;
}

struct gr_gpkg_job {
    char dir[GR_PATH_MAX], name[GR_NAME_MAX];
    char tmp[GR_PATH_MAX + 64], where[GR_PATH_MAX + 64];
};

/* One stage's rows: rows_init, then the stage. */
static int job_stage(gr_gpkg_job_t *job, const gr_layers_src_t *src, unsigned layers, int is_new,
                     gr_error_t *err)
{
    rows_t r;
    GDALAllRegister();
    if (!src->cs)
        layers &= ~(unsigned)GR_LAYER_CATCHMENTS;
    int rc = rows_init(&r, src, layers) ? gr_error_set(err, GR_ENOMEM, "out of memory for layers")
                                        : gpkg_stage(&r, layers, job->tmp, job->where, is_new, err);
    rows_free(&r);
    return rc;
}

int gr_layers_gpkg_begin(const gr_layers_src_t *src, unsigned layers, const char *dir,
                         const char *name, gr_gpkg_job_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_gpkg_job_t *job = calloc(1, sizeof *job);
    if (!job)
        return gr_error_set(err, GR_ENOMEM, "out of memory for %s", name);
    snprintf(job->dir, sizeof job->dir, "%s", dir);
    snprintf(job->name, sizeof job->name, "%s", name);
    gpkg_paths(dir, name, job->tmp, job->where, sizeof job->tmp);
    int rc = job_stage(job, src, layers, 1, err);
    if (rc) {
        gr_layers_gpkg_abort(job);
        return rc;
    }
    *out = job;
    return 0;
}

int gr_layers_gpkg_finish(gr_gpkg_job_t *job, const gr_layers_src_t *src, unsigned layers,
                          gr_error_t *err)
{
    int rc = job_stage(job, src, layers, 0, err);
    if (!rc)
        rc = gr_export_commit_path(job->tmp, job->dir, job->name, err);
    if (rc)
        remove(job->tmp);
    free(job);
    return rc;
}

void gr_layers_gpkg_abort(gr_gpkg_job_t *job)
{
    if (!job)
        return;
    remove(job->tmp);
    free(job);
}

int gr_layers_write(const gr_layers_src_t *src, unsigned formats, const char *dir,
                    const char *pg_conn, const char *pg_schema, gr_error_t *err)
{
    if (!formats) /* the run's GeoPackage may be written elsewhere: nothing to prepare */
        return 0;
    rows_t r;
    unsigned mask = src->cs ? GR_LAYER_ALL : GR_LAYER_ALL & ~(unsigned)GR_LAYER_CATCHMENTS;
    GDALAllRegister();
    int rc = rows_init(&r, src, mask) ? gr_error_set(err, GR_ENOMEM, "out of memory for layers") : 0;
    if (!rc && (formats & GR_FORMAT_GPKG))
        rc = write_gpkg(&r, mask, dir, "greenreach.gpkg", err);
    if (!rc && (formats & GR_FORMAT_GEOJSON))
        rc = write_folder(&r, &fmt_geojson, "geojson", dir, "geojson", err);
    if (!rc && (formats & GR_FORMAT_SHP))
        rc = write_folder(&r, &fmt_shp, "shp", dir, "shp", err);
    if (!rc && (formats & GR_FORMAT_POSTGIS))
        rc = write_postgis(&r, mask, pg_conn, pg_schema, err);
    rows_free(&r);
    return rc;
}

/* ---- Shapefile field names ---- */

static void shorten_words(const char *name, char *out, size_t n)
{
    static const char *const words[][2] = {
        { "population", "pop" }, { "shortfall", "sf" }, { "share", "shr" },
        { "within", "win" }, { "unsnapped", "uns" }, { "catch", "c" }, { "offset", "off" },
        { "source", "src" }, { "threshold", "thr" }, { "snapped", "snp" }, { "area", "ar" },
        { "dist", "d" }, { "min", "m" },
    };
    char buf[GR_NAME_MAX * 2];
    snprintf(buf, sizeof buf, "%s", name);
    out[0] = '\0';
    size_t len = 0;
    for (char *save = NULL, *tok = strtok_r(buf, "_", &save); tok; tok = strtok_r(NULL, "_", &save)) {
        char joined[GR_NAME_MAX];
        const char *w = tok;
        size_t tl = strlen(tok);
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            size_t wl = strlen(words[i][0]);
            /* whole words, or a number's unit suffix ("20min") */
            if (strcmp(tok, words[i][0]) == 0 ||
                (tl > wl && strcmp(tok + tl - wl, words[i][0]) == 0 && tok[tl - wl - 1] >= '0' &&
                 tok[tl - wl - 1] <= '9')) {
                snprintf(joined, sizeof joined, "%.*s%s", (int)(tl - wl), tok, words[i][1]);
                w = joined;
                break;
            }
        }
        len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s", len ? "_" : "", w);
    }
}

static int is_used(char (*used)[11], int n_used, const char *s)
{
    for (int i = 0; i < n_used; i++)
        if (strcasecmp(used[i], s) == 0)
            return 1;
    return 0;
}

/* Cuts the letters-only tokens of name (longest first, one character at
 * a time, never below one) until the joined tokens fit in 10 characters;
 * tokens with digits (thresholds such as 15m) stay whole. */
static void fit_tokens(const char *name, char *out, size_t n)
{
    char tok[32][GR_NAME_MAX];
    size_t len[32], total = 0;
    int nt = 0, has_digit[32];
    char buf[GR_NAME_MAX * 2];
    snprintf(buf, sizeof buf, "%s", name);
    for (char *save = NULL, *t = strtok_r(buf, "_", &save); t && nt < 32;
         t = strtok_r(NULL, "_", &save), nt++) {
        snprintf(tok[nt], sizeof tok[nt], "%s", t);
        len[nt] = strlen(tok[nt]);
        has_digit[nt] = strpbrk(t, "0123456789") != NULL;
        total += len[nt];
    }
    while (total > 10) {
        int longest = -1;
        for (int i = 0; i < nt; i++)
            if (!has_digit[i] && len[i] > 1 && (longest < 0 || len[i] > len[longest]))
                longest = i;
        if (longest < 0)
            break;
        len[longest]--;
        total--;
    }
    size_t k = 0;
    for (int i = 0; i < nt; i++)
        k += (size_t)snprintf(out + k, k < n ? n - k : 0, "%.*s", (int)len[i], tok[i]);
}

void gr_layers_short_name(const char *name, char (*used)[11], int n_used, char out[11])
{
    char s[GR_NAME_MAX * 2], w[GR_NAME_MAX * 2];
    snprintf(s, sizeof s, "%s", name);
    if (strlen(s) > 10) {
        shorten_words(name, w, sizeof w);
        if (strlen(w) <= 10)
            snprintf(s, sizeof s, "%s", w);
        else
            fit_tokens(w, s, sizeof s);
    }
    snprintf(out, 11, "%.10s", s);
    for (int k = 1; k < 100 && is_used(used, n_used, out); k++)
        snprintf(out, 11, "%.8s%02d", s, k);
}
