#include "greenreach/wardindex.h"

#include <stdlib.h>

struct gr_wardindex {
    GEOSContextHandle_t gh;
    uint32_t n;
    const GEOSPreparedGeometry **prep;
    uint32_t *ids;          /* tree items point into this array */
    GEOSSTRtree *tree;
};

int gr_wardindex_build(const gr_wards_t *wards, GEOSContextHandle_t gh, gr_wardindex_t **out,
                       gr_error_t *err)
{
    return gr_wardindex_build_geoms(wards->geom, wards->n, gh, out, err);
}

int gr_wardindex_build_geoms(GEOSGeometry *const *geom, uint32_t n, GEOSContextHandle_t gh,
                             gr_wardindex_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_wardindex_t *wi = calloc(1, sizeof *wi);
    if (!wi)
        return gr_error_set(err, GR_ENOMEM, "out of memory");
    wi->gh = gh;
    wi->prep = calloc((size_t)n + 1, sizeof *wi->prep);
    wi->ids = malloc((size_t)n * sizeof *wi->ids + 1);
    wi->tree = GEOSSTRtree_create_r(gh, 10);
    if (!wi->prep || !wi->ids || !wi->tree) {
        gr_wardindex_free(wi);
        return gr_error_set(err, GR_ENOMEM, "out of memory building a polygon index");
    }
    for (uint32_t i = 0; i < n; i++, wi->n++) {
        wi->ids[i] = i;
        if (!geom[i])
            continue;
        wi->prep[i] = GEOSPrepare_r(gh, geom[i]);
        if (!wi->prep[i]) {
            gr_wardindex_free(wi);
            return gr_error_set(err, GR_EGEOM, "cannot prepare polygon %u for point-in-polygon",
                                i);
        }
        GEOSSTRtree_insert_r(gh, wi->tree, geom[i], &wi->ids[i]);
    }
    *out = wi;
    return 0;
}

void gr_wardindex_free(gr_wardindex_t *wi)
{
    if (!wi)
        return;
    for (uint32_t i = 0; i < wi->n; i++)
        if (wi->prep[i])
            GEOSPreparedGeom_destroy_r(wi->gh, wi->prep[i]);
    if (wi->tree)
        GEOSSTRtree_destroy_r(wi->gh, wi->tree);
    free(wi->prep);
    free(wi->ids);
    free(wi);
}

typedef struct {
    const gr_wardindex_t *wi;
    const GEOSGeometry *pt;
    uint32_t best;
} locate_ctx_t;

static void locate_cb(void *item, void *user)
{
    locate_ctx_t *c = user;
    uint32_t i = *(const uint32_t *)item;
    if (i < c->best && GEOSPreparedIntersects_r(c->wi->gh, c->wi->prep[i], c->pt) == 1)
        c->best = i;
}

uint32_t gr_wardindex_locate(const gr_wardindex_t *wi, double x, double y)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(wi->gh, x, y);
    if (!pt)
        return GR_NONE;
    locate_ctx_t c = { wi, pt, GR_NONE };
    GEOSSTRtree_query_r(wi->gh, wi->tree, pt, locate_cb, &c);
    GEOSGeom_destroy_r(wi->gh, pt);
    return c.best;
}
