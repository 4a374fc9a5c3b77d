#include "greenreach/crs.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Transformations share the CRS's PROJ context: a context per
 * transformation reopened PROJ's database each time. */
struct gr_crs {
    PJ_CONTEXT *ctx;
    PJ *crs;
    char *wkt;
    char *same_src;   /* last source definition found equivalent to crs */
};

struct gr_transform {
    PJ_CONTEXT *ctx;   /* borrowed from the gr_crs_t */
    PJ *pj;            /* NULL: source and target are the same CRS */
};

void gr_crs_choose(const gr_crs_probe_t *probe, const char *source_def,
                   char *out, size_t n)
{
    if (probe->is_projected_metric) {
        /* prefer the short authority code ("EPSG:27700") for reports */
        PJ_CONTEXT *ctx = proj_context_create();
        PJ *pj = proj_create(ctx, source_def);
        const char *auth = pj ? proj_get_id_auth_name(pj, 0) : NULL;
        const char *code = pj ? proj_get_id_code(pj, 0) : NULL;
        if (auth && code)
            snprintf(out, n, "%s:%s", auth, code);
        else
            snprintf(out, n, "%s", source_def);
        proj_destroy(pj);
        proj_context_destroy(ctx);
        return;
    }
    /* Great Britain (with a margin): the national grid is what councils use. */
    if (probe->lon > -9.0 && probe->lon < 2.5 && probe->lat > 49.0 && probe->lat < 61.0) {
        snprintf(out, n, "EPSG:27700");
        return;
    }
    /* Clamped as a double: an absurd or NaN longitude must not overflow the
     * int conversion (the loader rejects such coordinates later). */
    double z = floor((probe->lon + 180.0) / 6.0) + 1.0;
    if (!(z >= 1.0))
        z = 1.0;
    if (z > 60.0)
        z = 60.0;
    int zone = (int)z;
    snprintf(out, n, "EPSG:%d", (probe->lat >= 0 ? 32600 : 32700) + zone);
}

int gr_crs_new(const char *def, gr_crs_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_crs_t *c = calloc(1, sizeof *c);
    if (!c)
        return gr_error_set(err, GR_ENOMEM, "out of memory");
    c->ctx = proj_context_create();
    c->crs = c->ctx ? proj_create(c->ctx, def) : NULL;
    const char *wkt = c->crs ? proj_as_wkt(c->ctx, c->crs, PJ_WKT2_2019, NULL) : NULL;
    if (!wkt || !(c->wkt = strdup(wkt))) {
        gr_crs_free(c);
        return gr_error_set(err, GR_ECRS, "cannot use '%s' as the run CRS", def);
    }
    *out = c;
    return 0;
}

void gr_crs_free(gr_crs_t *crs)
{
    if (!crs)
        return;
    free(crs->wkt);
    free(crs->same_src);
    proj_destroy(crs->crs);
    if (crs->ctx)
        proj_context_destroy(crs->ctx);
    free(crs);
}

const char *gr_crs_wkt(const gr_crs_t *crs)
{
    return crs->wkt;
}

bool gr_crs_is_metric(const gr_crs_t *crs)
{
    if (proj_get_type(crs->crs) != PJ_TYPE_PROJECTED_CRS)
        return false;
    PJ *cs = proj_crs_get_coordinate_system(crs->ctx, crs->crs);
    double to_m = 0.0;
    bool ok = cs && proj_cs_get_axis_info(crs->ctx, cs, 0, NULL, NULL, NULL,
                                          &to_m, NULL, NULL, NULL);
    proj_destroy(cs);
    return ok && fabs(to_m - 1.0) < 1e-9;
}

int gr_transform_new(gr_crs_t *crs, const char *src_def, gr_transform_t **out,
                     gr_error_t *err)
{
    *out = NULL;
    gr_transform_t *t = calloc(1, sizeof *t);
    if (!t)
        return gr_error_set(err, GR_ENOMEM, "out of memory");
    t->ctx = crs->ctx;
    if (crs->same_src && strcmp(crs->same_src, src_def) == 0) {
        *out = t;
        return 0;
    }
    PJ *src = proj_create(t->ctx, src_def);
    if (!src) {
        gr_transform_free(t);
        return gr_error_set(err, GR_ECRS, "PROJ cannot read the CRS");
    }
    bool is_same = proj_is_equivalent_to(src, crs->crs, PJ_COMP_EQUIVALENT);
    if (!is_same) {
        PJ *raw = proj_create_crs_to_crs_from_pj(t->ctx, src, crs->crs, NULL, NULL);
        /* GIS order: x is longitude/easting whatever the CRS axis order. */
        t->pj = raw ? proj_normalize_for_visualization(t->ctx, raw) : NULL;
        proj_destroy(raw);
    } else {
        free(crs->same_src);
        crs->same_src = strdup(src_def);
    }
    proj_destroy(src);
    if (!is_same && !t->pj) {
        gr_transform_free(t);
        return gr_error_set(err, GR_ECRS, "PROJ has no transformation into the run CRS");
    }
    *out = t;
    return 0;
}

void gr_transform_free(gr_transform_t *tr)
{
    if (!tr)
        return;
    proj_destroy(tr->pj);
    free(tr);
}

int gr_transform_xy(gr_transform_t *tr, double *x, double *y, size_t n,
                    gr_error_t *err)
{
    if (tr->pj && n > 0)
        proj_trans_generic(tr->pj, PJ_FWD, x, sizeof *x, n, y, sizeof *y, n,
                           NULL, 0, 0, NULL, 0, 0);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return gr_error_set(err, GR_ECRS,
                                "coordinate %zu cannot be transformed into the run CRS", i);
    return 0;
}

static int transform_cb(double *x, double *y, void *user)
{
    gr_transform_t *tr = user;
    PJ_COORD c = proj_coord(*x, *y, 0, 0);
    c = proj_trans(tr->pj, PJ_FWD, c);
    if (!isfinite(c.xy.x) || !isfinite(c.xy.y))
        return 0;
    *x = c.xy.x;
    *y = c.xy.y;
    return 1;
}

GEOSGeometry *gr_transform_geom(gr_transform_t *tr, GEOSContextHandle_t gh,
                                const GEOSGeometry *g)
{
    if (!tr->pj)
        return GEOSGeom_clone_r(gh, g);
    return GEOSGeom_transformXY_r(gh, g, transform_cb, tr);
}
