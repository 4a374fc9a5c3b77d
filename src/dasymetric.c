#include "greenreach/dasymetric.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/wardindex.h"

/* Homes grouped by zone: zone z's homes are order[first[z] .. first[z+1]-1],
 * in the homes' own order (a counting sort keeps the run deterministic). */
typedef struct {
    uint32_t *first, *order;
} by_zone_t;

static void by_zone_free(by_zone_t *bz)
{
    free(bz->first);
    free(bz->order);
}

/* Each home's zone through prepared zone polygons behind an STRtree: one
 * tree query per home, never a zones x homes scan. */
static int locate_homes(const gr_residents_t *in, const gr_homes_t *H, GEOSContextHandle_t gh,
                        uint32_t *zone_of, gr_error_t *err)
{
    gr_wardindex_t *wi = NULL;
    int rc = gr_wardindex_build_geoms(in->zone, in->n, gh, &wi, err);
    if (rc)
        return rc;
    for (uint32_t h = 0; h < H->n; h++)
        zone_of[h] = gr_wardindex_locate(wi, H->x[h], H->y[h]);
    gr_wardindex_free(wi);
    return 0;
}

static int group_homes(const gr_residents_t *in, const gr_homes_t *H, GEOSContextHandle_t gh,
                       by_zone_t *bz, gr_dasymetric_stats_t *st, gr_error_t *err)
{
    uint32_t *zone_of = malloc((size_t)H->n * sizeof *zone_of + 1);
    bz->first = calloc((size_t)in->n + 2, sizeof *bz->first);
    bz->order = malloc((size_t)H->n * sizeof *bz->order + 1);
    if (!zone_of || !bz->first || !bz->order) {
        free(zone_of);
        return gr_error_set(err, GR_ENOMEM, "out of memory grouping homes by zone");
    }
    int rc = locate_homes(in, H, gh, zone_of, err);
    for (uint32_t h = 0; !rc && h < H->n; h++)
        if (zone_of[h] != GR_NONE)
            bz->first[zone_of[h] + 2]++;
    for (uint32_t z = 0; !rc && z < in->n; z++)
        bz->first[z + 2] += bz->first[z + 1];
    /* first[z + 1] is now zone z's write cursor; filling moves it to the
     * start of zone z + 1, which leaves first[] as the CSR offsets */
    for (uint32_t h = 0; !rc && h < H->n; h++)
        if (zone_of[h] != GR_NONE)
            bz->order[bz->first[zone_of[h] + 1]++] = h;
    st->homes = H->n;
    st->homes_in_zones = rc ? 0 : bz->first[in->n];
    free(zone_of);
    return rc;
}

static void emit(gr_residents_t *out, const gr_residents_t *in, uint32_t i, double x, double y,
                 double pop, int64_t home_fid)
{
    uint32_t k = out->n++;
    out->x[k] = x;
    out->y[k] = y;
    out->pop[k] = pop;
    out->no_car_share[k] = in->no_car_share[i];
    out->fid[k] = in->fid[i];
    out->home_fid[k] = home_fid;
}

/* Counts must be people when the census gives people; 2^53 bounds the
 * integers a double holds exactly. */
static bool is_whole(double v)
{
    return v == floor(v) && v < 9007199254740992.0;
}

/* Zone i's population over its homes hs[0..nh-1] (total weight w_total >
 * 0). Cumulative rounding: home k gets round(pop * W_k / W) minus the same
 * for k - 1 (W_k the weight up to and including home k), so every count is
 * within one of its exact share, none is negative, and they telescope to
 * pop exactly. */
static void spread_zone(const gr_residents_t *in, uint32_t i, const gr_homes_t *H,
                        const uint32_t *hs, uint32_t nh, double w_total, gr_residents_t *out,
                        gr_dasymetric_stats_t *st)
{
    double pop = in->pop[i], cum = 0.0, prev = 0.0;
    bool is_count = is_whole(pop);
    for (uint32_t k = 0; k < nh; k++) {
        uint32_t h = hs[k];
        cum += H->weight[h];
        double b = k + 1 == nh ? pop : pop * cum / w_total;
        if (is_count)
            b = round(b);
        b = fmin(fmax(b, prev), pop);
        double share = b - prev;
        prev = b;
        if (share > 0.0) {
            emit(out, in, i, H->x[h], H->y[h], share, H->fid[h]);
            st->homes_peopled++;
        }
        if (share > st->max_home_pop) {
            st->max_home_pop = share;
            st->max_home_zone_fid = in->fid[i];
        }
    }
}

static void place_zone(const gr_residents_t *in, uint32_t i, const gr_homes_t *H,
                       const by_zone_t *bz, gr_residents_t *out, gr_dasymetric_stats_t *st)
{
    const uint32_t *hs = bz->order + bz->first[i];
    uint32_t nh = bz->first[i + 1] - bz->first[i];
    double w_total = 0.0;
    for (uint32_t k = 0; k < nh; k++)
        w_total += H->weight[hs[k]];
    st->zones++;
    if (w_total > 0.0) {
        st->zones_spread++;
        spread_zone(in, i, H, hs, nh, w_total, out, st);
        return;
    }
    st->zones_without_homes++;
    st->pop_without_homes += in->pop[i];
    emit(out, in, i, in->x[i], in->y[i], in->pop[i], -1);
}

static int alloc_out(gr_residents_t *out, size_t n, gr_error_t *err)
{
    memset(out, 0, sizeof *out);
    out->x = malloc(n * sizeof *out->x + 1);
    out->y = malloc(n * sizeof *out->y + 1);
    out->pop = malloc(n * sizeof *out->pop + 1);
    out->no_car_share = malloc(n * sizeof *out->no_car_share + 1);
    out->fid = malloc(n * sizeof *out->fid + 1);
    out->home_fid = malloc(n * sizeof *out->home_fid + 1);
    if (out->x && out->y && out->pop && out->no_car_share && out->fid && out->home_fid)
        return 0;
    gr_residents_clear(out, NULL);
    return gr_error_set(err, GR_ENOMEM, "out of memory spreading residents over homes");
}

int gr_dasymetric_spread(const gr_residents_t *in, const gr_homes_t *homes,
                         GEOSContextHandle_t gh, gr_residents_t *out,
                         gr_dasymetric_stats_t *st, gr_error_t *err)
{
    memset(out, 0, sizeof *out);
    memset(st, 0, sizeof *st);
    st->max_home_zone_fid = -1;
    if (!in->zone)
        return gr_error_set(err, GR_EINPUT, "residents carry no zone polygons to spread");
    by_zone_t bz = { 0 };
    int rc = group_homes(in, homes, gh, &bz, st, err);
    /* at most every resident plus every home in a zone */
    if (!rc)
        rc = alloc_out(out, (size_t)in->n + st->homes_in_zones, err);
    for (uint32_t i = 0; !rc && i < in->n; i++) {
        if (in->zone[i])
            place_zone(in, i, homes, &bz, out, st);
        else
            emit(out, in, i, in->x[i], in->y[i], in->pop[i], in->home_fid[i]);
    }
    by_zone_free(&bz);
    return rc;
}
