/* fixtures.h - helpers for tests: write tiny layers with shapelib (with a
 * .prj for the CRS) and build in-memory lines. */
#ifndef GR_TEST_FIXTURES_H
#define GR_TEST_FIXTURES_H

#include <geos_c.h>
#include <stdint.h>
#include "greenreach/config.h"
#include "greenreach/load.h"

/* WKT for the CRSs fixtures are written in. */
extern const char *const GR_WKT_BNG;    /* EPSG:27700 */
extern const char *const GR_WKT_WGS84;  /* EPSG:4326, lon/lat */
extern const char *const GR_WKT_UTM30N; /* EPSG:32630 */

/* Creates dir (and parents); returns 0 on success. */
int fx_mkdir(const char *dir);

/* Writes <base>.prj with wkt (NULL writes no .prj). */
int fx_write_prj(const char *base, const char *wkt);

/* A shapefile being written: fx_shp_create, fx_shp_add per feature,
 * fx_shp_close. Field types are DBF letters: 'C' text, 'N' integer,
 * 'F' real. Values are given as strings ("" leaves the field NULL). */
typedef struct fx_shp fx_shp_t;
fx_shp_t *fx_shp_create(const char *base, int shp_type, const char *wkt, int n_fields,
                        const char *const *names, const char *types);
/* Adds one feature: n vertices at xy (one part; polygons are closed by the
 * caller). Returns 0 on success. */
int fx_shp_add(fx_shp_t *s, int n, const double *xy, const char *const *values);
void fx_shp_close(fx_shp_t *s);

/* Adds the box x0..x1, y0..y1 (local metres, offset to BNG (400000,
 * 300000) as the town is) as a polygon feature. */
void fx_add_box(fx_shp_t *s, double x0, double y0, double x1, double y1,
                const char *const *values);

/* The "town" fixture, used by the loader and end-to-end tests. Local
 * coordinates (metres) are offset to BNG (400000, 300000) and then passed
 * through to_crs (NULL: stay in BNG) before writing <dir>/{wards,paths,
 * greenspaces,residents}.shp with .prj = wkt.
 *   wards: A = x -200..1250, B = x 1250..3200 (y -500..500)
 *   paths: a footway along y=0 from x=0 to 3000 (vertices every 500 m),
 *          a motorway along y=100 (unwalkable by default)
 *   greenspaces: P1 "Public Park Or Garden" x -100..0 (touches the footway's
 *          start); C1 cemetery x 2900..3000 (not a park)
 *   residents (x, y, population): (500,10,10) (1189,10,20) (1300,10,30)
 *          (1589,10,40) (1700,10,50) (2500,10,60) (2800,300,5) */
typedef void (*fx_xy_fn)(double *x, double *y);
int fx_write_town(const char *dir, const char *wkt, fx_xy_fn to_crs);

/* The town with the sites and residents the target tests need, written
 * over fx_write_town's greenspaces and residents:
 *   sites: P1 park x -100..0 (entrance at the footway's start, x=0);
 *          O1 orchard in ward A; M1 meadow straddling the A|B boundary
 *          (x 1200..1300, y 100..200); N1 NEAP play area x 3000..3050
 *          (entrance at the footway's end, x=3000)
 *   residents (x, population, no-car share in field "no_car"), all on the
 *   footway (y=0, no offset) so distances are exact:
 *     r0 (500, 10, 0.1)   park 500
 *     r1 (1199, 20, 0.5)  park 1199: low-car, within 15 min (1200 m)
 *     r2 (1205, 30, 0.5)  park 1205: low-car, just beyond 15 min
 *     r3 (1300, 40, 0.1)  park 1300
 *     r4 (2001, 7, 0.1)   NEAP 999 m
 *     r5 (1999, 11, 0.1)  NEAP 1001 m
 *   r0..r2 live in ward A (x < 1250), r3..r5 in ward B. */
int fx_write_targets_town(const char *dir);

/* The straight-line town (local metres, offset to BNG as above), whose
 * walked and straight distances are known by construction:
 *   ward W: x -1000..2000, y -1000..1000
 *   path: a footway (100,100) (100,480) (280,480) (280,340), 700 m long,
 *         touching park S at its corner (100,100)
 *   sites: S park x 0..100, y 0..100 (10,000 m2); T1 meadow x 600..649.99,
 *          T2 meadow x 900..950.01, both y -300..-200 (4,999 and 5,001 m2;
 *          no path reaches them)
 *   residents: r0 (50,50) pop 10 inside S: straight 0, walked 50*sqrt(2)
 *              (the snap offset to the corner);
 *              r1 (280,340) pop 30 on the path's end: 300 m straight from
 *              S's corner (a 180-240-300 triangle), 700 m walked;
 *              r2 (1500,0) pop 60: 1400 m straight, no path within 250 m. */
int fx_write_straight_town(const char *dir);

/* Defaults, with every layer pointed at the town fixture in dir and the
 * output folder at <dir>/out. */
void fx_town_config(gr_config_t *cfg, const char *dir);
/* fx_town_config with the no-car field mapped to "no_car". */
void fx_targets_town_config(gr_config_t *cfg, const char *dir);

/* Lines from a flat list: n_lines lines, line i has counts[i] vertices,
 * coordinates xy[2*k], xy[2*k+1] in order. Caller frees with fx_lines_free. */
gr_lines_t fx_lines(uint32_t n_lines, const uint32_t *counts, const double *xy);
void fx_lines_free(gr_lines_t *l);

/* The first column of the first row sql gives on the SQLite file at path,
 * opened read-only: as text (caller frees; "NULL" for a null, "(query
 * failed: <why>)" when there is no row) or as a number (NaN for a null or
 * no row). */
/* For tests (after <math.h> and <cmocka.h>): fails, naming the
 * expression, unless |a - b| <= eps. */
#define assert_near(a, b, eps)                                                     \
    do {                                                                           \
        double a_ = (a), b_ = (b);                                                 \
        if (!(fabs(a_ - b_) <= (eps)))                                             \
            fail_msg("%s = %.9g, expected %.9g (+/- %g)", #a, a_, b_, (double)(eps)); \
    } while (0)

/* Area of a GEOS geometry (-1 when GEOS fails) and the holes of all its
 * polygons. */
double fx_geos_area(GEOSContextHandle_t gh, const GEOSGeometry *g);
int fx_geos_holes(GEOSContextHandle_t gh, const GEOSGeometry *g);

char *fx_sql_text(const char *path, const char *sql);
double fx_sql_double(const char *path, const char *sql);

#endif
