/* fuzz_load.c - geometry and attribute handling of the loader and every
 * stage after it, on one fuzzed input layer. The input bytes describe a
 * GeoJSON layer (features of any geometry type, coordinates including NaN,
 * infinities, 1e300 and out-of-range lon/lat, attributes of any type); it
 * is written to /vsimem and replaces one layer of the "town" fixture (see
 * tests/fixtures.h), whose other layers are written once as GeoJSON.
 * gr_run_compute then loads, builds the graph, snaps, searches and
 * tallies. It must either succeed with finite, plausible numbers or fail
 * with a one-line message; it must never crash or leak. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_vsi.h>
#include <gdal.h>

#include "greenreach/pipeline.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define DIR "/vsimem/gr_fuzz"

typedef struct {
    const uint8_t *p;
    size_t n;
} rd_t;

static unsigned rd_u8(rd_t *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static int rd_i16(rd_t *r)
{
    unsigned lo = rd_u8(r), hi = rd_u8(r);
    return (int16_t)(uint16_t)(lo | hi << 8);
}

typedef struct {
    char *s;
    size_t n, cap;
} buf_t;

static void put(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)len + 1 > b->cap) {
        b->cap = 2 * (b->n + (size_t)len + 1);
        b->s = realloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)len + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)len;
}

/* JSON has no NaN or infinities; GDAL's reader takes these spellings. */
static void put_num(buf_t *b, double v)
{
    if (isnan(v))
        put(b, "NaN");
    else if (isinf(v))
        put(b, v > 0 ? "Infinity" : "-Infinity");
    else
        put(b, "%.17g", v);
}

static void write_file(const char *path, const buf_t *b)
{
    VSILFILE *f = VSIFOpenL(path, "wb");
    VSIFWriteL(b->s, 1, b->n, f);
    VSIFCloseL(f);
}

static void put_header(buf_t *b, const char *crs)
{
    put(b, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
           "{\"name\":\"%s\"}},\"features\":[\n", crs);
}

/* ---- the fixed layers: the town fixture in BNG ---- */

static void put_ring(buf_t *b, double x0, double y0, double x1, double y1)
{
    put(b, "[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]", x0, y0, x0, y1, x1,
        y1, x1, y0, x0, y0);
}

static void write_town(void)
{
    const double X = 400000.0, Y = 300000.0;
    buf_t b = {0};
    put_header(&b, "EPSG:27700");
    put(&b, "{\"type\":\"Feature\",\"properties\":{\"ward_code\":\"A\",\"ward_name\":\"Ward A\"},"
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":");
    put_ring(&b, X - 200, Y - 500, X + 1250, Y + 500);
    put(&b, "}},\n{\"type\":\"Feature\",\"properties\":{\"ward_code\":\"B\",\"ward_name\":"
            "\"Ward B\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":");
    put_ring(&b, X + 1250, Y - 500, X + 3200, Y + 500);
    put(&b, "}}]}\n");
    write_file(DIR "/wards.geojson", &b);
    b.n = 0;
    put_header(&b, "EPSG:27700");
    put(&b, "{\"type\":\"Feature\",\"properties\":{\"highway\":\"footway\"},\"geometry\":"
            "{\"type\":\"LineString\",\"coordinates\":[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]}}]}\n",
        X, Y, X + 1500, Y, X + 3000, Y);
    write_file(DIR "/paths.geojson", &b);
    b.n = 0;
    put_header(&b, "EPSG:27700");
    put(&b, "{\"type\":\"Feature\",\"properties\":{\"site_id\":\"P1\",\"function\":\"park\"},"
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":");
    put_ring(&b, X - 100, Y - 50, X, Y + 50);
    put(&b, "}}]}\n");
    write_file(DIR "/greenspaces.geojson", &b);
    b.n = 0;
    put_header(&b, "EPSG:27700");
    put(&b, "{\"type\":\"Feature\",\"properties\":{\"population\":10},\"geometry\":"
            "{\"type\":\"Point\",\"coordinates\":[%.1f,%.1f]}},\n", X + 500, Y + 10);
    put(&b, "{\"type\":\"Feature\",\"properties\":{\"population\":20},\"geometry\":"
            "{\"type\":\"Point\",\"coordinates\":[%.1f,%.1f]}}]}\n", X + 1700, Y + 10);
    write_file(DIR "/residents.geojson", &b);
    free(b.s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    GDALAllRegister();
    write_town();
    return 0;
}

/* ---- the fuzzed layer ---- */

typedef enum { R_WARDS, R_PATHS, R_SITES, R_RESIDENTS, R_ACCESS, R_COUNT } role_t;

static const char *const role_names[R_COUNT] = { "wards", "paths", "greenspaces", "residents",
                                                 "access" };

/* A coordinate: mostly near the town, sometimes a value the loader must
 * reject or survive. Geographic layers are written in degrees. */
static double coord(rd_t *r, int is_y, int is_geo)
{
    unsigned c = rd_u8(r);
    static const double special[] = { NAN, INFINITY, -INFINITY, 1e300, -1e300, 1e9, 0.0,
                                      -0.0, 200.0, -95.0, 91.0, 1e-300 };
    if (c >= 256 - 12)
        return special[c - (256 - 12)];
    if (c == 256 - 13) {
        double v;
        uint8_t raw[8];
        for (int i = 0; i < 8; i++)
            raw[i] = (uint8_t)rd_u8(r);
        memcpy(&v, raw, sizeof v);
        return v;
    }
    double local = rd_i16(r) * 0.1 + (is_y ? 0.0 : 1500.0);
    if (is_geo)
        return is_y ? 52.6 + local / 111200.0 : -2.0 + local / 67600.0;
    return (is_y ? 300000.0 : 400000.0) + local;
}

static void put_coords(buf_t *b, rd_t *r, int n, int closed, int is_geo)
{
    double x0 = 0, y0 = 0;
    put(b, "[");
    for (int k = 0; k < n; k++) {
        double x = coord(r, 0, is_geo), y = coord(r, 1, is_geo);
        if (k == 0) {
            x0 = x;
            y0 = y;
        }
        if (closed && k == n - 1 && n > 1) {
            x = x0;
            y = y0;
        }
        put(b, "%s[", k ? "," : "");
        put_num(b, x);
        put(b, ",");
        put_num(b, y);
        put(b, "]");
    }
    put(b, "]");
}

static void put_geometry(buf_t *b, rd_t *r, int is_geo)
{
    unsigned kind = rd_u8(r), parts = 1 + rd_u8(r) % 3;
    int closed = (kind & 0x80) == 0, nv = (int)(rd_u8(r) % 11);
    switch (kind % 9) {
    case 0:
        put(b, "null");
        return;
    case 1:
        put(b, "{\"type\":\"Point\",\"coordinates\":[");
        put_num(b, coord(r, 0, is_geo));
        put(b, ",");
        put_num(b, coord(r, 1, is_geo));
        put(b, "]}");
        return;
    case 2:
        put(b, "{\"type\":\"LineString\",\"coordinates\":");
        put_coords(b, r, nv, 0, is_geo);
        break;
    case 3:
    case 4:
        put(b, "{\"type\":\"%s\",\"coordinates\":[", kind % 9 == 3 ? "Polygon" : "MultiPolygon");
        for (unsigned p = 0; p < parts; p++) {
            put(b, "%s%s", p ? "," : "", kind % 9 == 4 ? "[" : "");
            put_coords(b, r, nv, closed, is_geo);
            put(b, "%s", kind % 9 == 4 ? "]" : "");
        }
        put(b, "]");
        break;
    case 5:
        put(b, "{\"type\":\"MultiLineString\",\"coordinates\":[");
        for (unsigned p = 0; p < parts; p++) {
            put(b, "%s", p ? "," : "");
            put_coords(b, r, nv, 0, is_geo);
        }
        put(b, "]");
        break;
    case 6:
        put(b, "{\"type\":\"MultiPoint\",\"coordinates\":");
        put_coords(b, r, nv, 0, is_geo);
        break;
    case 7:
        put(b, "{\"type\":\"GeometryCollection\",\"geometries\":[");
        put_geometry(b, r, is_geo);
        put(b, "]}");
        return;
    default:
        put(b, "{\"type\":\"Polygon\",\"coordinates\":[]}");
        return;
    }
    put(b, "}");
}

static const char *const strings[] = { "P1", "P2", "C1", "", "park", "Public Park Or Garden",
                                       "cemetery", "footway", "motorway", "A", "NEAP", "x y" };

static void put_value(buf_t *b, rd_t *r)
{
    unsigned c = rd_u8(r) % 24;
    if (c < 12)
        put(b, "\"%s\"", strings[c]);
    else if (c == 12)
        put(b, "null");
    else if (c == 13)
        put(b, "-5");
    else if (c == 14)
        put(b, "1e308");
    else if (c == 15)
        put(b, "NaN");
    else if (c == 16)
        put(b, "0.35");
    else
        put(b, "%u", rd_u8(r) * 3);
}

/* Every field any role reads, so each role sees its own with fuzzed
 * values and types. */
static void put_properties(buf_t *b, rd_t *r)
{
    static const char *const fields[] = { "ward_code", "ward_name", "highway", "site_id",
                                          "function", "play_class", "population",
                                          "no_car_share" };
    put(b, "{");
    for (int i = 0; i < 8; i++) {
        if (rd_u8(r) % 8 == 0)
            continue;   /* field absent from this feature */
        put(b, "%s\"%s\":", b->s[b->n - 1] == '{' ? "" : ",", fields[i]);
        put_value(b, r);
    }
    put(b, "}");
}

static void write_fuzzed(rd_t *r, int is_geo, const char *path)
{
    buf_t b = {0};
    put_header(&b, is_geo ? "EPSG:4326" : "EPSG:27700");
    for (int i = 0; i < 12 && r->n > 0; i++) {
        put(&b, "%s{\"type\":\"Feature\",\"properties\":", i ? ",\n" : "");
        put_properties(&b, r);
        put(&b, ",\"geometry\":");
        put_geometry(&b, r, is_geo);
        put(&b, "}");
    }
    put(&b, "]}\n");
    write_file(path, &b);
    free(b.s);
}

/* ---- the run and its checks ---- */

static void town_config(gr_config_t *cfg)
{
    gr_config_defaults(cfg);
    gr_layer_spec_t *specs[] = { &cfg->wards, &cfg->paths, &cfg->greenspaces, &cfg->residents };
    for (int i = 0; i < 4; i++) {
        snprintf(specs[i]->path, sizeof specs[i]->path, DIR "/%s.geojson", role_names[i]);
        specs[i]->layer[0] = '\0';
    }
}

static void check_run(const gr_run_t *run)
{
    const gr_residents_t *R = &run->ds->residents;
    for (uint32_t i = 0; i < R->n; i++) {
        CHECK(fabs(R->x[i]) < 1e8 && fabs(R->y[i]) < 1e8);
        CHECK(R->pop[i] >= 0.0 && isfinite(R->pop[i]));
    }
    const gr_lines_t *L = &run->ds->paths;
    for (uint32_t k = 0; k < L->start[L->n_lines]; k++)
        CHECK(fabs(L->x[k]) < 1e8 && fabs(L->y[k]) < 1e8);
    for (int c = 0; c < run->n_cats; c++) {
        const gr_cat_result_t *cr = &run->cats[c];
        for (uint32_t i = 0; i < R->n; i++)
            CHECK(isinf(cr->res_dist_m[i]) ? cr->res_site[i] == GR_NONE
                                           : cr->res_dist_m[i] >= 0.0f &&
                                                 cr->res_site[i] < run->ds->sites.n);
        const gr_coverage_t *cv = cr->cov;
        for (uint32_t w = 0; w <= cv->n_wards; w++)
            for (uint32_t t = 0; t < cv->n_thr; t++) {
                double s = gr_coverage_share(cv, w, t);
                CHECK(s >= 0.0 && s <= 1.0 + 1e-9);
            }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd_t r = { data, size };
    unsigned h = rd_u8(&r);
    role_t role = (role_t)(h % R_COUNT);
    int is_geo = (h >> 3) & 1;
    gr_config_t cfg;
    town_config(&cfg);
    if ((h >> 4) & 1)
        snprintf(cfg.target_crs, sizeof cfg.target_crs, "EPSG:27700");
    gr_layer_spec_t *specs[R_COUNT] = { &cfg.wards, &cfg.paths, &cfg.greenspaces,
                                        &cfg.residents, &cfg.access_points };
    snprintf(specs[role]->path, sizeof specs[role]->path, DIR "/fuzz.geojson");
    write_fuzzed(&r, is_geo, DIR "/fuzz.geojson");
    gr_run_t *run = NULL;
    gr_error_t err = {0};
    int rc = gr_run_compute(&cfg, NULL, NULL, &run, &err);
    if (rc == 0) {
        check_run(run);
        gr_run_free(run);
    } else {
        CHECK(run == NULL && rc < 0 && err.msg[0] != '\0');
        CHECK(strchr(err.msg, '\n') == NULL);
    }
    VSIUnlink(DIR "/fuzz.geojson");
    return 0;
}
