#include "greenreach/straight.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    GEOSContextHandle_t gh;
    uint32_t n;
    uint32_t *ids;                         /* tree items point into this */
    const GEOSPreparedGeometry **prep;     /* [n_sites], NULL: not indexed */
    GEOSSTRtree *tree;
    const GEOSGeometry *pt;                /* the point being asked about */
    int has_failed;
} index_t;

static void index_free(index_t *ix, uint32_t n_sites)
{
    for (uint32_t s = 0; ix->prep && s < n_sites; s++)
        if (ix->prep[s])
            GEOSPreparedGeom_destroy_r(ix->gh, ix->prep[s]);
    if (ix->tree)
        GEOSSTRtree_destroy_r(ix->gh, ix->tree);
    free(ix->prep);
    free(ix->ids);
}

static int index_build(index_t *ix, const gr_sites_t *S, const gr_category_t *cat,
                       gr_error_t *err)
{
    ix->ids = malloc((size_t)S->n * sizeof *ix->ids + 1);
    ix->prep = calloc((size_t)S->n + 1, sizeof *ix->prep);
    ix->tree = GEOSSTRtree_create_r(ix->gh, 10);
    if (!ix->ids || !ix->prep || !ix->tree)
        return gr_error_set(err, GR_ENOMEM, "out of memory indexing %s sites", cat->name);
    for (uint32_t s = 0; s < S->n; s++) {
        if (!gr_category_has_site(cat, S->function[s], S->play_class[s], S->area_m2[s]))
            continue;
        ix->prep[s] = GEOSPrepare_r(ix->gh, S->geom[s]);
        if (!ix->prep[s])
            return gr_error_set(err, GR_EGEOM, "site %s: cannot prepare its polygon for "
                                "straight-line distances", S->site_id[s]);
        ix->ids[ix->n] = s;
        GEOSSTRtree_insert_r(ix->gh, ix->tree, S->geom[s], &ix->ids[ix->n++]);
    }
    return 0;
}

/* The tree hands over one of its items and the query item (the point,
 * passed as NULL) in either order. */
static int site_distance(const void *a, const void *b, double *d, void *user)
{
    index_t *ix = user;
    const uint32_t *s = a ? a : b;
    if (GEOSPreparedDistance_r(ix->gh, ix->prep[*s], ix->pt, d) == 1)
        return 1;
    ix->has_failed = 1;
    return 0;
}

static int nearest(index_t *ix, double x, double y, double *d, uint32_t *site)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(ix->gh, x, y);
    if (!pt)
        return -1;
    ix->pt = pt;
    const uint32_t *s = GEOSSTRtree_nearest_generic_r(ix->gh, ix->tree, NULL, pt,
                                                       site_distance, ix);
    int rc = (!s || ix->has_failed || GEOSPreparedDistance_r(ix->gh, ix->prep[*s], pt, d) != 1)
                 ? -1 : 0;
    if (!rc)
        *site = *s;
    GEOSGeom_destroy_r(ix->gh, pt);
    return rc;
}

int gr_straight_distances(GEOSContextHandle_t gh, const gr_sites_t *sites,
                          const gr_category_t *cat, const double *x, const double *y,
                          uint32_t n, float cutoff_m, float *dist_m, uint32_t *site,
                          gr_error_t *err)
{
    index_t ix = { .gh = gh };
    int rc = index_build(&ix, sites, cat, err);
    for (uint32_t i = 0; !rc && i < n; i++) {
        double d = INFINITY;
        uint32_t s = GR_NONE;
        if (ix.n && nearest(&ix, x[i], y[i], &d, &s))
            rc = gr_error_set(err, GR_EGEOM, "GEOS failed measuring the straight-line "
                              "distance from resident %u to the nearest %s site", i, cat->name);
        bool is_within = d <= cutoff_m;
        dist_m[i] = is_within ? (float)d : INFINITY;
        site[i] = is_within ? s : GR_NONE;
    }
    index_free(&ix, sites->n);
    return rc;
}
