#include "fixtures.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <shapefil.h>

const char *const GR_WKT_BNG =
    "PROJCS[\"OSGB36 / British National Grid\",GEOGCS[\"OSGB36\",DATUM[\"Ordnance_Survey_of_Great_Britain_1936\","
    "SPHEROID[\"Airy 1830\",6377563.396,299.3249646]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]],"
    "PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"latitude_of_origin\",49],PARAMETER[\"central_meridian\",-2],"
    "PARAMETER[\"scale_factor\",0.9996012717],PARAMETER[\"false_easting\",400000],"
    "PARAMETER[\"false_northing\",-100000],UNIT[\"Meter\",1]]";
const char *const GR_WKT_WGS84 =
    "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"
    "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";
const char *const GR_WKT_UTM30N =
    "PROJCS[\"WGS_1984_UTM_Zone_30N\",GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\","
    "SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],"
    "UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],"
    "PARAMETER[\"False_Easting\",500000.0],PARAMETER[\"False_Northing\",0.0],"
    "PARAMETER[\"Central_Meridian\",-3.0],PARAMETER[\"Scale_Factor\",0.9996],"
    "PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]";

int fx_mkdir(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0777);
            *p = '/';
        }
    }
    return (mkdir(path, 0777) == 0 || errno == EEXIST) ? 0 : -1;
}

int fx_write_prj(const char *base, const char *wkt)
{
    char path[1024];
    snprintf(path, sizeof path, "%s.prj", base);
    if (!wkt) {
        remove(path);
        return 0;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(wkt, f);
    return fclose(f);
}

gr_lines_t fx_lines(uint32_t n_lines, const uint32_t *counts, const double *xy)
{
    gr_lines_t l = { n_lines, NULL, NULL, NULL };
    uint32_t total = 0;
    for (uint32_t i = 0; i < n_lines; i++)
        total += counts[i];
    l.start = malloc((n_lines + 1) * sizeof *l.start);
    l.x = malloc((total + 1) * sizeof *l.x);
    l.y = malloc((total + 1) * sizeof *l.y);
    l.start[0] = 0;
    for (uint32_t i = 0; i < n_lines; i++)
        l.start[i + 1] = l.start[i] + counts[i];
    for (uint32_t k = 0; k < total; k++) {
        l.x[k] = xy[2 * k];
        l.y[k] = xy[2 * k + 1];
    }
    return l;
}

void fx_lines_free(gr_lines_t *l)
{
    free(l->start);
    free(l->x);
    free(l->y);
}

struct fx_shp {
    SHPHandle shp;
    DBFHandle dbf;
    int shp_type, n_fields;
    char types[32];
};

fx_shp_t *fx_shp_create(const char *base, int shp_type, const char *wkt, int n_fields,
                        const char *const *names, const char *types)
{
    fx_shp_t *s = calloc(1, sizeof *s);
    s->shp = SHPCreate(base, shp_type);
    s->dbf = DBFCreate(base);
    s->shp_type = shp_type;
    s->n_fields = n_fields;
    for (int i = 0; i < n_fields; i++) {
        DBFFieldType t = types[i] == 'C' ? FTString : (types[i] == 'N' ? FTInteger : FTDouble);
        DBFAddField(s->dbf, names[i], t, t == FTString ? 40 : 16, t == FTDouble ? 6 : 0);
        s->types[i] = types[i];
    }
    if (fx_write_prj(base, wkt) != 0 || !s->shp || !s->dbf) {
        fx_shp_close(s);
        return NULL;
    }
    return s;
}

int fx_shp_add(fx_shp_t *s, int n, const double *xy, const char *const *values)
{
    double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    for (int k = 0; k < n; k++) {
        x[k] = xy[2 * k];
        y[k] = xy[2 * k + 1];
    }
    SHPObject *o = SHPCreateSimpleObject(s->shp_type, n, x, y, NULL);
    int id = SHPWriteObject(s->shp, -1, o);
    SHPDestroyObject(o);
    free(x);
    free(y);
    for (int i = 0; id >= 0 && i < s->n_fields; i++) {
        if (!values[i][0])
            DBFWriteNULLAttribute(s->dbf, id, i);
        else if (s->types[i] == 'C')
            DBFWriteStringAttribute(s->dbf, id, i, values[i]);
        else if (s->types[i] == 'N')
            DBFWriteIntegerAttribute(s->dbf, id, i, atoi(values[i]));
        else
            DBFWriteDoubleAttribute(s->dbf, id, i, atof(values[i]));
    }
    return id >= 0 ? 0 : -1;
}

void fx_shp_close(fx_shp_t *s)
{
    if (!s)
        return;
    if (s->shp)
        SHPClose(s->shp);
    if (s->dbf)
        DBFClose(s->dbf);
    free(s);
}

static void town_xy(double *xy, int n, fx_xy_fn to_crs)
{
    for (int k = 0; k < n; k++) {
        xy[2 * k] += 400000.0;
        xy[2 * k + 1] += 300000.0;
        if (to_crs)
            to_crs(&xy[2 * k], &xy[2 * k + 1]);
    }
}

static int town_layer(const char *dir, const char *name, int type, const char *wkt,
                      int n_fields, const char *const *fields, const char *types, int n_feat,
                      const int *n_vert, const double *coords, const char *const *values,
                      fx_xy_fn to_crs)
{
    char base[1024];
    snprintf(base, sizeof base, "%s/%s", dir, name);
    fx_shp_t *s = fx_shp_create(base, type, wkt, n_fields, fields, types);
    if (!s)
        return -1;
    int rc = 0;
    for (int i = 0, off = 0; i < n_feat && rc == 0; off += n_vert[i], i++) {
        double xy[64];
        memcpy(xy, coords + 2 * off, 2 * (size_t)n_vert[i] * sizeof *xy);
        town_xy(xy, n_vert[i], to_crs);
        rc = fx_shp_add(s, n_vert[i], xy, values + i * n_fields);
    }
    fx_shp_close(s);
    return rc;
}

int fx_write_town(const char *dir, const char *wkt, fx_xy_fn to_crs)
{
    static const char *const ward_f[] = { "ward_code", "ward_name" };
    static const int ward_n[] = { 5, 5 };
    static const double ward_xy[] = { -200, -500, -200, 500, 1250, 500, 1250, -500, -200, -500,
                                      1250, -500, 1250, 500, 3200, 500, 3200, -500, 1250, -500 };
    static const char *const ward_v[] = { "A", "Ward A", "B", "Ward B" };
    static const char *const path_f[] = { "highway" };
    static const int path_n[] = { 7, 2 };
    static const double path_xy[] = { 0, 0, 500, 0, 1000, 0, 1500, 0, 2000, 0, 2500, 0, 3000, 0,
                                      0, 100, 3000, 100 };
    static const char *const path_v[] = { "footway", "motorway" };
    static const char *const site_f[] = { "site_id", "function" };
    static const int site_n[] = { 5, 5 };
    static const double site_xy[] = { -100, -50, -100, 50, 0, 50, 0, -50, -100, -50,
                                      2900, -50, 2900, 50, 3000, 50, 3000, -50, 2900, -50 };
    static const char *const site_v[] = { "P1", "Public Park Or Garden", "C1", "cemetery" };
    static const char *const res_f[] = { "population" };
    static const int res_n[] = { 1, 1, 1, 1, 1, 1, 1 };
    static const double res_xy[] = { 500, 10, 1189, 10, 1300, 10, 1589, 10, 1700, 10, 2500, 10,
                                     2800, 300 };
    static const char *const res_v[] = { "10", "20", "30", "40", "50", "60", "5" };
    if (fx_mkdir(dir))
        return -1;
    return town_layer(dir, "wards", SHPT_POLYGON, wkt, 2, ward_f, "CC", 2, ward_n, ward_xy,
                      ward_v, to_crs) |
           town_layer(dir, "paths", SHPT_ARC, wkt, 1, path_f, "C", 2, path_n, path_xy, path_v,
                      to_crs) |
           town_layer(dir, "greenspaces", SHPT_POLYGON, wkt, 2, site_f, "CC", 2, site_n,
                      site_xy, site_v, to_crs) |
           town_layer(dir, "residents", SHPT_POINT, wkt, 1, res_f, "N", 7, res_n, res_xy,
                      res_v, to_crs);
}

void fx_town_config(gr_config_t *cfg, const char *dir)
{
    gr_config_defaults(cfg);
    gr_layer_spec_t *specs[] = { &cfg->wards, &cfg->paths, &cfg->greenspaces, &cfg->residents };
    const char *names[] = { "wards", "paths", "greenspaces", "residents" };
    for (int i = 0; i < 4; i++) {
        snprintf(specs[i]->path, sizeof specs[i]->path, "%s/%s.shp", dir, names[i]);
        specs[i]->layer[0] = '\0';
    }
    snprintf(cfg->out_dir, sizeof cfg->out_dir, "%s/out", dir);
}

static void shift(double *xy, int n)
{
    for (int k = 0; k < n; k++) {
        xy[2 * k] += 400000.0;
        xy[2 * k + 1] += 300000.0;
    }
}

void fx_add_box(fx_shp_t *s, double x0, double y0, double x1, double y1,
                const char *const *values)
{
    double xy[] = { x0, y0, x0, y1, x1, y1, x1, y0, x0, y0 };
    shift(xy, 5);
    fx_shp_add(s, 5, xy, values);
}

/* Writes <dir>/residents.shp: n points at local xy with n_fields values
 * each (values[i * n_fields + k]). */
static int write_points(const char *dir, int n_fields, const char *const *fields,
                        const char *types, int n, const double *xy_local,
                        const char *const *values)
{
    char base[1024];
    snprintf(base, sizeof base, "%s/residents", dir);
    fx_shp_t *r = fx_shp_create(base, SHPT_POINT, GR_WKT_BNG, n_fields, fields, types);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        double xy[2] = { xy_local[2 * i], xy_local[2 * i + 1] };
        shift(xy, 1);
        rc = fx_shp_add(r, 1, xy, values + (size_t)i * n_fields);
    }
    fx_shp_close(r);
    return rc;
}

int fx_write_targets_town(const char *dir)
{
    char base[1024];
    if (fx_write_town(dir, GR_WKT_BNG, NULL))
        return -1;
    static const char *const sf[] = { "site_id", "function", "play_class" };
    static const char *const p1[] = { "P1", "park", "" }, *const o1[] = { "O1", "Orchard", "" };
    static const char *const m1[] = { "M1", "meadow", "" }, *const n1[] = { "N1", "Play Space", "NEAP" };
    snprintf(base, sizeof base, "%s/greenspaces", dir);
    fx_shp_t *s = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 3, sf, "CCC");
    fx_add_box(s, -100, -50, 0, 50, p1);
    fx_add_box(s, 100, 100, 200, 200, o1);
    fx_add_box(s, 1200, 100, 1300, 200, m1);
    fx_add_box(s, 3000, -50, 3050, 50, n1);
    fx_shp_close(s);
    static const char *const rf[] = { "population", "no_car" };  /* DBF names: 10 chars */
    static const double rxy[] = { 500, 0, 1199, 0, 1205, 0, 1300, 0, 2001, 0, 1999, 0 };
    static const char *const rv[] = { "10", "0.1", "20", "0.5", "30", "0.5",
                                      "40", "0.1", "7", "0.1", "11", "0.1" };
    return write_points(dir, 2, rf, "NF", 6, rxy, rv);
}

void fx_targets_town_config(gr_config_t *cfg, const char *dir)
{
    fx_town_config(cfg, dir);
    snprintf(cfg->f_no_car_share, sizeof cfg->f_no_car_share, "no_car");
}

int fx_write_straight_town(const char *dir)
{
    char base[1024];
    if (fx_mkdir(dir))
        return -1;
    static const char *const wf[] = { "ward_code", "ward_name" }, *const w1[] = { "W", "Ward W" };
    snprintf(base, sizeof base, "%s/wards", dir);
    fx_shp_t *w = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 2, wf, "CC");
    fx_add_box(w, -1000, -1000, 2000, 1000, w1);
    fx_shp_close(w);
    static const char *const pf[] = { "highway" }, *const p1[] = { "footway" };
    double pxy[] = { 100, 100, 100, 480, 280, 480, 280, 340 };
    shift(pxy, 4);
    snprintf(base, sizeof base, "%s/paths", dir);
    fx_shp_t *p = fx_shp_create(base, SHPT_ARC, GR_WKT_BNG, 1, pf, "C");
    fx_shp_add(p, 4, pxy, p1);
    fx_shp_close(p);
    static const char *const sf[] = { "site_id", "function" };
    static const char *const s1[] = { "S", "park" }, *const t1[] = { "T1", "meadow" },
                             *const t2[] = { "T2", "meadow" };
    snprintf(base, sizeof base, "%s/greenspaces", dir);
    fx_shp_t *s = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 2, sf, "CC");
    fx_add_box(s, 0, 0, 100, 100, s1);
    fx_add_box(s, 600, -300, 649.99, -200, t1);
    fx_add_box(s, 900, -300, 950.01, -200, t2);
    fx_shp_close(s);
    static const char *const rf[] = { "population" };
    static const double rxy[] = { 50, 50, 280, 340, 1500, 0 };
    static const char *const rv[] = { "10", "30", "60" };
    return write_points(dir, 1, rf, "N", 3, rxy, rv);
}

/* Steps sql's first row on a read-only connection; st and db to close. */
static int sql_first_row(const char *path, const char *sql, sqlite3 **db, sqlite3_stmt **st)
{
    *st = NULL;
    return sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(*db, sql, -1, st, NULL) == SQLITE_OK &&
           sqlite3_step(*st) == SQLITE_ROW ? 0 : -1;
}

char *fx_sql_text(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st;
    char *v;
    if (sql_first_row(path, sql, &db, &st) == 0) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        v = strdup(t ? (const char *)t : "NULL");
    } else {
        size_t n = strlen(sqlite3_errmsg(db)) + 32;
        if ((v = malloc(n)))
            snprintf(v, n, "(query failed: %s)", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

double fx_sql_double(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st;
    double v = NAN;
    if (sql_first_row(path, sql, &db, &st) == 0 && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

double fx_geos_area(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    double a = -1;
    return GEOSArea_r(gh, g, &a) == 1 ? a : -1;
}

int fx_geos_holes(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    int n = 0;
    for (int i = 0; i < GEOSGetNumGeometries_r(gh, g); i++)
        n += GEOSGetNumInteriorRings_r(gh, GEOSGetGeometryN_r(gh, g, i));
    return n;
}
