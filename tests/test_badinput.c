/* The bad-input matrix: every malformed input greenreach meets in council
 * data, each with its exact behaviour. Either an error (non-zero return,
 * one line naming file, layer, feature and problem) or, when the run can
 * go on correctly, a counted warning in gr_load_stats_t, the graph, the
 * coverage or the category results. Fixtures are the "town" of fixtures.h
 * with one layer replaced by a small shapefile or GeoJSON written here.
 * Last: a run killed midway leaves earlier outputs intact and its input
 * unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <shapefil.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "greenreach/config.h"
#include "greenreach/export.h"
#include "greenreach/islands.h"
#include "greenreach/load.h"
#include "greenreach/pipeline.h"

#define TMP GR_TEST_TMP
#define TOWN TMP "/town"
#define X0 400000.0
#define Y0 300000.0

static GEOSContextHandle_t gh;

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    gh = GEOS_init_r();
    return fx_write_town(TOWN, GR_WKT_BNG, NULL);
}

static int teardown(void **state)
{
    (void)state;
    GEOS_finish_r(gh);
    return 0;
}

/* ---- helpers ---- */

static void set_path(gr_layer_spec_t *spec, const char *path)
{
    snprintf(spec->path, sizeof spec->path, "%s", path);
    spec->layer[0] = '\0';
}

/* Writes a shapefile <base>.shp in BNG (wkt NULL: no .prj) of n features.
 * Feature i has nv[i] vertices from xy (local town metres, offset to BNG
 * here unless is_raw), or a null shape when nv[i] == 0; values are n_fields
 * per feature. */
typedef struct {
    const char *base;
    int type;
    const char *wkt;
    int n_fields;
    const char *const *names;
    const char *types;
    int is_raw;
} layer_t;

static void write_layer(const layer_t *L, int n, const int *nv, const double *xy,
                        const char *const *values)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", L->base);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(fx_mkdir(dir), 0);
    SHPHandle shp = SHPCreate(L->base, L->type);
    DBFHandle dbf = DBFCreate(L->base);
    assert_non_null(shp);
    assert_non_null(dbf);
    for (int f = 0; f < L->n_fields; f++) {
        DBFFieldType t = L->types[f] == 'C' ? FTString : L->types[f] == 'N' ? FTInteger : FTDouble;
        DBFAddField(dbf, L->names[f], t, t == FTString ? 40 : 24, t == FTDouble ? 6 : 0);
    }
    for (int i = 0, off = 0; i < n; off += nv[i], i++) {
        double x[16], y[16];
        for (int k = 0; k < nv[i]; k++) {
            x[k] = xy[2 * (off + k)] + (L->is_raw ? 0.0 : X0);
            y[k] = xy[2 * (off + k) + 1] + (L->is_raw ? 0.0 : Y0);
        }
        SHPObject *o = SHPCreateSimpleObject(nv[i] ? L->type : SHPT_NULL, nv[i], x, y, NULL);
        int id = SHPWriteObject(shp, -1, o);
        SHPDestroyObject(o);
        for (int f = 0; f < L->n_fields; f++) {
            const char *v = values[i * L->n_fields + f];
            if (!v[0])
                DBFWriteNULLAttribute(dbf, id, f);
            else if (L->types[f] == 'C')
                DBFWriteStringAttribute(dbf, id, f, v);
            else
                DBFWriteDoubleAttribute(dbf, id, f, atof(v));
        }
    }
    SHPClose(shp);
    DBFClose(dbf);
    assert_int_equal(fx_write_prj(L->base, L->wkt), 0);
}

static const char *const POP_F[] = { "population" };
static const char *const SITE_F[] = { "site_id", "function" };
static const char *const PATH_F[] = { "highway" };

/* Residents as BNG points at local (x, y) with the given populations. */
static void write_residents(const char *base, int n, const double *xy, const char *const *pop)
{
    int nv[16] = {0};
    for (int i = 0; i < n; i++)
        nv[i] = 1;
    layer_t L = { base, SHPT_POINT, GR_WKT_BNG, 1, POP_F, "F", 0 };
    write_layer(&L, n, nv, xy, pop);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ---- the real command ---- */

/* The layer settings of cfg as a config file for `greenreach run`. */
static void write_ini(const gr_config_t *cfg, const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const struct { const char *section; const gr_layer_spec_t *spec; } L[] = {
        { "wards", &cfg->wards }, { "paths", &cfg->paths },
        { "greenspaces", &cfg->greenspaces }, { "residents", &cfg->residents },
        { "access_points", &cfg->access_points },
    };
    for (size_t i = 0; i < sizeof L / sizeof L[0]; i++) {
        if (!L[i].spec->path[0])
            continue;
        fprintf(f, "[%s]\npath = %s\n", L[i].section, L[i].spec->path);
        fprintf(f, "layer = %s\n", L[i].spec->layer);   /* "" is the first layer */
        if (L[i].spec->assume_crs[0])
            fprintf(f, "assume_crs = %s\n", L[i].spec->assume_crs);
    }
    fprintf(f, "[wards]\ncode_field = %s\nname_field = %s\n[greenspaces]\nsite_id_field = %s\n"
               "function_field = %s\n[residents]\npopulation_field = %s\n",
            cfg->f_ward_code, cfg->f_ward_name, cfg->f_site_id, cfg->f_function,
            cfg->f_population);
    assert_int_equal(fclose(f), 0);
}

/* Runs `greenreach run --quiet --config ini --out out`, optionally under a
 * file size limit (0: none); its stderr goes to msg (size n). Returns the
 * exit status (-1 when it did not exit). */
static int run_cli_limited(const char *ini, const char *out, long fsize_limit, char *msg,
                           size_t n)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        int errf = open(TMP "/cli.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(devnull, 1);
        dup2(errf, 2);
        if (fsize_limit > 0) {
            /* writes past the limit fail with EFBIG instead of killing */
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = { (rlim_t)fsize_limit, (rlim_t)fsize_limit };
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        execl(GR_CLI, GR_CLI, "run", "--quiet", "--config", ini, "--out", out, (char *)NULL);
        _exit(127);
    }
    int status;
    assert_true(waitpid(pid, &status, 0) == pid);
    FILE *f = fopen(TMP "/cli.stderr", "r");
    assert_non_null(f);
    size_t got = fread(msg, 1, n - 1, f);
    msg[got] = '\0';
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_cli(const gr_config_t *cfg, const char *out, char *msg, size_t n)
{
    write_ini(cfg, TMP "/cli.ini");
    return run_cli_limited(TMP "/cli.ini", out, 0, msg, n);
}

/* stderr is exactly one line: prefix, then text containing want. */
static void assert_one_line(const char *msg, const char *prefix, const char *want)
{
    if (strncmp(msg, prefix, strlen(prefix)) != 0 || !strstr(msg, want) ||
        strchr(msg, '\n') != msg + strlen(msg) - 1)
        print_error("stderr: %s\n  wanted one line %s...%s\n", msg, prefix, want);
    assert_int_equal(strncmp(msg, prefix, strlen(prefix)), 0);
    assert_non_null(strstr(msg, want));
    assert_true(strchr(msg, '\n') == msg + strlen(msg) - 1);
}

/* The command fails with exit status 1 and the one-line error. */
static void cli_fails(const gr_config_t *cfg, const char *want)
{
    char msg[4096];
    int status = run_cli(cfg, TMP "/cli_out", msg, sizeof msg);
    if (status != 1)
        print_error("exit %d, stderr: %s\n", status, msg);
    assert_int_equal(status, 1);
    assert_one_line(msg, "greenreach: error: ", want);
}

/* The command succeeds (exit 0, nothing on stderr with --quiet) writing out. */
static void cli_ok(const gr_config_t *cfg, const char *out)
{
    char msg[4096];
    int status = run_cli(cfg, out, msg, sizeof msg);
    if (status != 0)
        print_error("exit %d, stderr: %s\n", status, msg);
    assert_int_equal(status, 0);
    assert_string_equal(msg, "");
}

static char *read_all(const char *path, long *size);

/* The output file dir/name contains text. */
static void assert_output_has(const char *dir, const char *name, const char *text)
{
    char path[1024];
    long size;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data = read_all(path, &size);
    assert_non_null(data);
    if (!strstr(data, text))
        print_error("%s lacks: %s\n", path, text);
    assert_non_null(strstr(data, text));
    free(data);
}

/* A counted warning: in run_summary.txt as a line and in report.md and
 * report.html as a note. */
static void assert_warned(const char *dir, const char *summary_line, const char *note)
{
    char line[512];
    snprintf(line, sizeof line, "\n%s\n", summary_line);
    assert_output_has(dir, "run_summary.txt", line);
    assert_output_has(dir, "report.md", note);
    assert_output_has(dir, "report.html", note);
}

static gr_dataset_t *load_ok(const gr_config_t *cfg)
{
    gr_dataset_t *ds = NULL;
    gr_error_t err = {0};
    int rc = gr_load_dataset(cfg, gh, &ds, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return ds;
}

/* Of the two residents one point reads as empty (a NaN coordinate): the
 * loader keeps one and counts one skipped, and the command says so. */
static void assert_one_empty_resident(const gr_config_t *cfg, const char *out)
{
    gr_dataset_t *ds = load_ok(cfg);
    assert_int_equal(ds->residents.n, 1);
    assert_int_equal(ds->stats.residents_empty, 1);
    gr_dataset_free(ds, gh);
    cli_ok(cfg, out);
    assert_warned(out, "skipped.residents_empty = 1", "0 path, 0 site and 1 resident features.");
}

/* Loading fails with code and a one-line message containing want. */
static void load_fails(const gr_config_t *cfg, int code, const char *want)
{
    gr_dataset_t *ds = NULL;
    gr_error_t err = {0};
    int rc = gr_load_dataset(cfg, gh, &ds, &err);
    if (rc != code || !strstr(err.msg, want))
        print_error("rc %d, message: %s\n  wanted %d: %s\n", rc, err.msg, code, want);
    assert_null(ds);
    assert_int_equal(rc, code);
    assert_non_null(strstr(err.msg, want));
    assert_null(strchr(err.msg, '\n'));
    cli_fails(cfg, want);
}

static gr_run_t *run_ok(const gr_config_t *cfg)
{
    gr_run_t *run = NULL;
    gr_error_t err = {0};
    int rc = gr_run_compute(cfg, NULL, NULL, &run, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return run;
}

/* ---- files, layers and fields ---- */

static void test_missing_file(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.greenspaces, TMP "/nothere.shp");
    load_fails(&cfg, GR_EIO, "nothere.shp: cannot open greenspaces layer file");
}

static void test_missing_layer(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    snprintf(cfg.paths.layer, sizeof cfg.paths.layer, "roads");
    load_fails(&cfg, GR_EINPUT, "town/paths.shp: no layer 'roads' for paths");
}

static void test_missing_field(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    snprintf(cfg.f_site_id, sizeof cfg.f_site_id, "SITE_REF");
    load_fails(&cfg, GR_EINPUT, "greenspaces.shp layer 'greenspaces': no field 'SITE_REF'");
}

/* Population as text ("12" stored as a string) is a type error, not a
 * guess at the number. */
static void test_field_of_wrong_type(void **state)
{
    (void)state;
    static const double xy[] = { 500, 10 };
    static const char *const pop[] = { "12" };
    layer_t L = { TMP "/textpop/residents", SHPT_POINT, GR_WKT_BNG, 1, POP_F, "C", 0 };
    write_layer(&L, 1, (const int[]){ 1 }, xy, pop);
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.residents, TMP "/textpop/residents.shp");
    load_fails(&cfg, GR_EINPUT, "layer 'residents': field 'population' is String, "
                                "expected a number");
}

static void test_wrong_geometry_type(void **state)
{
    (void)state;
    layer_t L = { TMP "/lines/residents", SHPT_ARC, GR_WKT_BNG, 1, POP_F, "F", 0 };
    write_layer(&L, 1, (const int[]){ 2 }, (const double[]){ 0, 0, 10, 0 },
                (const char *const[]){ "5" });
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.residents, TMP "/lines/residents.shp");
    load_fails(&cfg, GR_EINPUT, "lines/residents.shp layer 'residents' feature 0: geometry is "
                                "Line String, expected Point or Polygon");
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.greenspaces, TOWN "/residents.shp");
    snprintf(cfg.f_site_id, sizeof cfg.f_site_id, "population");
    snprintf(cfg.f_function, sizeof cfg.f_function, "population");
    load_fails(&cfg, GR_EINPUT, "residents.shp layer 'residents' feature 0: geometry is Point, "
                                "expected Polygon or MultiPolygon");
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.paths, TOWN "/greenspaces.shp");
    load_fails(&cfg, GR_EINPUT, "layer 'greenspaces' feature 0: geometry is Polygon, "
                                "expected LineString or MultiLineString");
}

/* A layer with no features, or none with a usable geometry, is an error:
 * a run on it would report zeros as if they were facts. */
static void test_empty_layer(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    write_residents(TMP "/empty/residents", 0, NULL, NULL);
    set_path(&cfg.residents, TMP "/empty/residents.shp");
    load_fails(&cfg, GR_EINPUT, "empty/residents.shp layer 'residents': residents layer is empty");

    layer_t L = { TMP "/allnull/residents", SHPT_POINT, GR_WKT_BNG, 1, POP_F, "F", 0 };
    write_layer(&L, 2, (const int[]){ 0, 0 }, NULL, (const char *const[]){ "1", "2" });
    set_path(&cfg.residents, TMP "/allnull/residents.shp");
    load_fails(&cfg, GR_EINPUT, "layer 'residents': no resident has a location");
}

/* ---- coordinate reference systems ---- */

static void test_no_crs(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    write_residents(TMP "/noprj/residents", 1, (const double[]){ 500, 10 },
                    (const char *const[]){ "10" });
    fx_write_prj(TMP "/noprj/residents", NULL);
    set_path(&cfg.residents, TMP "/noprj/residents.shp");
    load_fails(&cfg, GR_ECRS, "noprj/residents.shp layer 'residents': no CRS (no .prj?); "
                              "name one with assume_crs");
    snprintf(cfg.residents.assume_crs, sizeof cfg.residents.assume_crs, "EPSG:27700");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_float_equal(ds->residents.x[0], 400500.0, 1e-9);
    gr_dataset_free(ds, gh);
    cli_ok(&cfg, TMP "/noprj/out");
    assert_output_has(TMP "/noprj/out", "run_summary.txt", "\nresidents = 1\n");
}

/* Geographic input is never measured in degrees. Wards in lon/lat (a
 * GeoJSON box -2.02..-1.98 E, 52.59..52.61 N) are the first layer, so the
 * run CRS is chosen from them: British National Grid, in metres. The box
 * is about 0.04 * 67.7 km = 2.7 km by 0.02 * 111.2 km = 2.2 km, so about
 * 6.0e6 m2 (a degree-measured area would be 8e-4). The other layers stay
 * in BNG: layers in different CRSs meet in the run's. The resident at
 * (-2.0, 52.6) lands on the BNG central meridian, about 300 km north of
 * its false origin (within the OSGB36 datum shift of ~100 m). */
static void test_geographic_and_mixed_crs(void **state)
{
    (void)state;
    fx_mkdir(TMP "/geo");
    write_file(TMP "/geo/wards.geojson",
               "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
               "\"properties\":{\"ward_code\":\"G\",\"ward_name\":\"Geo\"},\"geometry\":"
               "{\"type\":\"Polygon\",\"coordinates\":[[[-2.02,52.59],[-1.98,52.59],"
               "[-1.98,52.61],[-2.02,52.61],[-2.02,52.59]]]}}]}");
    write_file(TMP "/geo/residents.geojson",
               "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
               "\"properties\":{\"population\":5},\"geometry\":{\"type\":\"Point\","
               "\"coordinates\":[-2.0,52.6]}}]}");
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.wards, TMP "/geo/wards.geojson");
    set_path(&cfg.residents, TMP "/geo/residents.geojson");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_string_equal(ds->crs_def, "EPSG:27700");
    double area;
    GEOSArea_r(gh, ds->wards.geom[0], &area);
    assert_float_equal(area, 6.0e6, 0.1e6);
    assert_float_equal(ds->residents.x[0], 400000.0, 200.0);
    assert_float_equal(ds->residents.y[0], 300000.0, 1000.0);
    /* the BNG town paths are untouched */
    assert_float_equal(ds->paths.x[1], 400500.0, 1e-9);
    gr_dataset_free(ds, gh);
    cli_ok(&cfg, TMP "/geo/out");
    assert_output_has(TMP "/geo/out", "run_summary.txt", "\ncrs = EPSG:27700\n");
}

/* ---- geometry ---- */

/* A bow-tie park (0,0)-(100,100)-(100,0)-(0,100) is two triangles, each
 * 100 wide and 50 high: 2 * 100*50/2 = 5000 m2. A ward drawn as a bow-tie
 * (1250,-500)-(1250,500)-(3200,-500)-(3200,500): two triangles, base 1000
 * at x=1250 and x=3200, apex at the crossing x=2225: 2 * 1000*975/2 =
 * 975000 m2. Both repaired with GEOS MakeValid and counted. */
static void test_invalid_polygons_repaired(void **state)
{
    (void)state;
    static const double bow[] = { 0, 0, 100, 100, 100, 0, 0, 100, 0, 0,
                                  -100, -50, -100, 50, 0, 50, 0, -50, -100, -50 };
    layer_t S = { TMP "/bowtie/greenspaces", SHPT_POLYGON, GR_WKT_BNG, 2, SITE_F, "CC", 0 };
    write_layer(&S, 2, (const int[]){ 5, 5 }, bow,
                (const char *const[]){ "B1", "park", "P1", "park" });
    static const double wards[] = { -200, -500, -200, 500, 1250, 500, 1250, -500, -200, -500,
                                    1250, -500, 1250, 500, 3200, -500, 3200, 500, 1250, -500 };
    static const char *const WARD_F[] = { "ward_code", "ward_name" };
    layer_t W = { TMP "/bowtie/wards", SHPT_POLYGON, GR_WKT_BNG, 2, WARD_F, "CC", 0 };
    write_layer(&W, 2, (const int[]){ 5, 5 }, wards,
                (const char *const[]){ "A", "Ward A", "B", "Ward B" });
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.greenspaces, TMP "/bowtie/greenspaces.shp");
    set_path(&cfg.wards, TMP "/bowtie/wards.shp");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_int_equal(ds->stats.sites_repaired, 1);
    assert_int_equal(ds->stats.wards_repaired, 1);
    assert_int_equal(ds->sites.n, 2);
    assert_float_equal(ds->sites.area_m2[0], 5000.0, 1e-6);
    assert_int_equal(GEOSisValid_r(gh, ds->sites.geom[0]), 1);
    double area;
    GEOSArea_r(gh, ds->wards.geom[1], &area);
    assert_float_equal(area, 975000.0, 1e-3);
    gr_dataset_free(ds, gh);
    cli_ok(&cfg, TMP "/bowtie/out");
    assert_warned(TMP "/bowtie/out", "repaired.sites = 1", "1 invalid site and 1 invalid ward "
                  "polygons were repaired (GEOS MakeValid).");
    assert_output_has(TMP "/bowtie/out", "run_summary.txt", "\nrepaired.wards = 1\n");
}

/* Null shapes and degenerate ones are skipped and counted: a null path and
 * a one-vertex path (paths_empty 2), a null site and a zero-area site
 * (collinear ring, collapses to a line when made valid: sites_empty 2), a
 * null resident (residents_empty 1). The rest loads: 1 path line, 2 sites
 * (P1, and P4 whose 100 m square ring was left unclosed: closed on
 * reading, 10000 m2), 1 resident. */
static void test_null_and_empty_geometries(void **state)
{
    (void)state;
    static const double path_xy[] = { 0, 0, 3000, 0, 50, 50 };
    layer_t P = { TMP "/nulls/paths", SHPT_ARC, GR_WKT_BNG, 1, PATH_F, "C", 0 };
    write_layer(&P, 3, (const int[]){ 2, 0, 1 }, path_xy,
                (const char *const[]){ "footway", "footway", "footway" });
    static const double site_xy[] = { -100, -50, -100, 50, 0, 50, 0, -50, -100, -50,
                                      200, 200, 300, 200, 250, 200, 200, 200,
                                      500, 0, 500, 100, 600, 100, 600, 0 };
    layer_t S = { TMP "/nulls/greenspaces", SHPT_POLYGON, GR_WKT_BNG, 2, SITE_F, "CC", 0 };
    write_layer(&S, 4, (const int[]){ 5, 0, 4, 4 }, site_xy,
                (const char *const[]){ "P1", "park", "P2", "park", "P3", "park", "P4", "park" });
    layer_t R = { TMP "/nulls/residents", SHPT_POINT, GR_WKT_BNG, 1, POP_F, "F", 0 };
    write_layer(&R, 2, (const int[]){ 0, 1 }, (const double[]){ 500, 10 },
                (const char *const[]){ "3", "10" });
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.paths, TMP "/nulls/paths.shp");
    set_path(&cfg.greenspaces, TMP "/nulls/greenspaces.shp");
    set_path(&cfg.residents, TMP "/nulls/residents.shp");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_int_equal(ds->stats.paths_empty, 2);
    assert_int_equal(ds->paths.n_lines, 1);
    assert_int_equal(ds->stats.sites_empty, 2);
    assert_int_equal(ds->sites.n, 2);
    assert_string_equal(ds->sites.site_id[0], "P1");
    assert_string_equal(ds->sites.site_id[1], "P4");
    assert_float_equal(ds->sites.area_m2[1], 10000.0, 1e-6);
    assert_int_equal(ds->stats.residents_empty, 1);
    assert_int_equal(ds->residents.n, 1);
    assert_int_equal(ds->residents.fid[0], 1);
    gr_dataset_free(ds, gh);
    cli_ok(&cfg, TMP "/nulls/out");
    assert_warned(TMP "/nulls/out", "skipped.paths_empty = 2", "Skipped for want of a usable "
                  "geometry (null, empty or degenerate): 2 path, 2 site and 1 resident features.");
    assert_output_has(TMP "/nulls/out", "run_summary.txt", "\nskipped.sites_empty = 2\n");
    assert_output_has(TMP "/nulls/out", "run_summary.txt", "\nskipped.residents_empty = 1\n");
}

/* Coordinates that are not numbers, absurdly large, or not lon/lat in a
 * lon/lat layer: an error naming the feature and the value. */
static void test_bad_coordinates(void **state)
{
    (void)state;
    gr_config_t cfg;
    static const char *const pops[] = { "10", "20" };
    layer_t R = { TMP "/badxy/residents", SHPT_POINT, GR_WKT_BNG, 1, POP_F, "F", 1 };

    write_layer(&R, 2, (const int[]){ 1, 1 }, (const double[]){ X0, Y0, 1e300, Y0 }, pops);
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.residents, TMP "/badxy/residents.shp");
    load_fails(&cfg, GR_EINPUT, "badxy/residents.shp layer 'residents' feature 1: coordinate "
                                "(1e+300, 300000) is absurdly large");

    write_layer(&R, 2, (const int[]){ 1, 1 }, (const double[]){ X0, Y0, X0, INFINITY }, pops);
    load_fails(&cfg, GR_EINPUT, "layer 'residents' feature 1: coordinate (400000, inf) is not "
                                "a finite number");

    /* OGR reads a shapefile point with a NaN coordinate as POINT EMPTY (NaN
     * is the shapefile "no data" value): counted with the empty ones */
    write_layer(&R, 2, (const int[]){ 1, 1 }, (const double[]){ NAN, Y0, X0, Y0 }, pops);
    assert_one_empty_resident(&cfg, TMP "/badxy/out");

    /* a path with one bad vertex among good ones */
    layer_t P = { TMP "/badxy/paths", SHPT_ARC, GR_WKT_BNG, 1, PATH_F, "C", 1 };
    write_layer(&P, 2, (const int[]){ 2, 3 },
                (const double[]){ X0, Y0, X0 + 10, Y0, X0, Y0, X0 + 5, -1e300, X0 + 9, Y0 },
                (const char *const[]){ "footway", "footway" });
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.paths, TMP "/badxy/paths.shp");
    load_fails(&cfg, GR_EINPUT, "layer 'paths' feature 1: coordinate (400005, -1e+300) is "
                                "absurdly large");
}

/* GeoJSON spells NaN too: GDAL reads a point [NaN, y] as POINT EMPTY,
 * skipped and counted like any empty geometry, but keeps a NaN vertex in
 * a polygon ring, which is an error naming the feature. */
static void test_nan_in_geojson(void **state)
{
    (void)state;
    fx_mkdir(TMP "/nanjs");
    write_file(TMP "/nanjs/residents.geojson",
               "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
               "{\"name\":\"EPSG:27700\"}},\"features\":["
               "{\"type\":\"Feature\",\"properties\":{\"population\":5},\"geometry\":"
               "{\"type\":\"Point\",\"coordinates\":[400500,300010]}},"
               "{\"type\":\"Feature\",\"properties\":{\"population\":6},\"geometry\":"
               "{\"type\":\"Point\",\"coordinates\":[NaN,300010]}}]}");
    write_file(TMP "/nanjs/greenspaces.geojson",
               "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
               "{\"name\":\"EPSG:27700\"}},\"features\":["
               "{\"type\":\"Feature\",\"properties\":{\"site_id\":\"P1\",\"function\":\"park\"},"
               "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[399900,299950],"
               "[399900,300050],[400000,300050],[400000,299950],[399900,299950]]]}},"
               "{\"type\":\"Feature\",\"properties\":{\"site_id\":\"P2\",\"function\":\"park\"},"
               "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[401000,299950],"
               "[401000,300050],[NaN,300050],[401100,299950],[401000,299950]]]}}]}");
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.residents, TMP "/nanjs/residents.geojson");
    assert_one_empty_resident(&cfg, TMP "/nanjs/out");
    set_path(&cfg.greenspaces, TMP "/nanjs/greenspaces.geojson");
    load_fails(&cfg, GR_EINPUT, "nanjs/greenspaces.geojson layer 'greenspaces' feature 1: "
                                "coordinate (nan, 300050) is not a finite number");
}

/* In a lon/lat layer, 200 degrees east is no longitude. A real point 90
 * degrees from BNG's central meridian (88 E on the equator) is a place,
 * but transverse Mercator cannot hold it (PROJ returns infinity): an
 * error naming the feature. A real point merely far away is placed, and
 * then counted as unsnapped and outside every ward. */
static void test_geographic_out_of_range(void **state)
{
    (void)state;
    gr_config_t cfg;
    static const char *const pops[] = { "10", "20" };
    layer_t R = { TMP "/badgeo/residents", SHPT_POINT, GR_WKT_WGS84, 1, POP_F, "F", 1 };
    write_layer(&R, 2, (const int[]){ 1, 1 }, (const double[]){ -2.0, 52.6, 200.0, 52.6 }, pops);
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.residents, TMP "/badgeo/residents.shp");
    load_fails(&cfg, GR_EINPUT, "layer 'residents' feature 1: coordinate (200, 52.6) is not a "
                                "longitude/latitude");

    write_layer(&R, 2, (const int[]){ 1, 1 }, (const double[]){ -2.0, 52.6, 88.0, 0.0 }, pops);
    load_fails(&cfg, GR_ECRS, "layer 'residents' feature 1: coordinates cannot be transformed "
                              "into the run CRS");
}

/* ---- attributes ---- */

/* Decision (README, "Bad input"): a blank or negative population is an
 * error naming the feature. It is the weight of every share; a blank may
 * be a true zero or a missing count, and guessing either would make the
 * shares silently wrong. Zero is valid and counted (it weighs nothing). */
static void test_blank_negative_population(void **state)
{
    (void)state;
    static const double xy[] = { 500, 10, 600, 10, 700, 10 };
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.residents, TMP "/pop/residents.shp");

    write_residents(TMP "/pop/residents", 3, xy, (const char *const[]){ "12", "", "3" });
    load_fails(&cfg, GR_EINPUT, "pop/residents.shp layer 'residents' feature 1: population "
                                "is blank");
    write_residents(TMP "/pop/residents", 3, xy, (const char *const[]){ "12", "4", "-3" });
    load_fails(&cfg, GR_EINPUT, "layer 'residents' feature 2: population is negative");
    write_residents(TMP "/pop/residents", 3, xy, (const char *const[]){ "12", "4e12", "3" });
    load_fails(&cfg, GR_EINPUT, "layer 'residents' feature 1: population is implausibly large");

    write_residents(TMP "/pop/residents", 3, xy, (const char *const[]){ "12", "0", "3" });
    gr_dataset_t *ds = load_ok(&cfg);
    assert_int_equal(ds->residents.n, 3);
    assert_int_equal(ds->stats.residents_zero_pop, 1);
    gr_dataset_free(ds, gh);
    cli_ok(&cfg, TMP "/pop/out");
    assert_warned(TMP "/pop/out", "residents.zero_population = 1",
                  "1 resident points have a population of 0 and weigh nothing.");
}

/* Decision (README): a repeated non-blank site id is an error naming both
 * features, because access points and outputs name sites by id. */
static void test_duplicate_site_ids(void **state)
{
    (void)state;
    static const double xy[] = { -100, -50, -100, 50, 0, 50, 0, -50, -100, -50,
                                 2900, -50, 2900, 50, 3000, 50, 3000, -50, 2900, -50,
                                 900, -50, 900, 50, 1000, 50, 1000, -50, 900, -50 };
    layer_t S = { TMP "/dupid/greenspaces", SHPT_POLYGON, GR_WKT_BNG, 2, SITE_F, "CC", 0 };
    write_layer(&S, 3, (const int[]){ 5, 5, 5 }, xy,
                (const char *const[]){ "P1", "park", "C1", "cemetery", "P1", "park" });
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.greenspaces, TMP "/dupid/greenspaces.shp");
    load_fails(&cfg, GR_EINPUT, "dupid/greenspaces.shp layer 'greenspaces' feature 2: site id "
                                "'P1' repeats feature 0's; site ids must be unique");

    /* blank ids may repeat: those sites are entered through their shape */
    write_layer(&S, 3, (const int[]){ 5, 5, 5 }, xy,
                (const char *const[]){ "", "park", "C1", "cemetery", "", "park" });
    gr_dataset_t *ds = load_ok(&cfg);
    assert_int_equal(ds->sites.n, 3);
    gr_dataset_free(ds, gh);
}

/* ---- damaged files ---- */

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, in)) > 0;)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* A fresh copy of the town's residents in TMP/damaged with file ext cut to
 * keep bytes. */
static void damaged_residents(const char *ext, long keep)
{
    static const char *const exts[] = { "shp", "shx", "dbf", "prj" };
    fx_mkdir(TMP "/damaged");
    for (int i = 0; i < 4; i++) {
        char from[512], to[512];
        snprintf(from, sizeof from, TOWN "/residents.%s", exts[i]);
        snprintf(to, sizeof to, TMP "/damaged/residents.%s", exts[i]);
        copy_file(from, to);
    }
    char path[512];
    snprintf(path, sizeof path, TMP "/damaged/residents.%s", ext);
    assert_int_equal(truncate(path, keep), 0);
}

/* The town's residents: 7 points. .shp: 100-byte header + 7 records of
 * 8 + 20 bytes = 296; .shx: 100 + 7*8 = 156; .dbf: 7 records after a
 * 65-byte header (32 + one 32-byte field descriptor + terminator), each
 * 1 + 16 bytes = 65 + 119 + EOF marker = 185. */
static void test_truncated_and_corrupt_files(void **state)
{
    (void)state;
    assert_int_equal(file_size(TOWN "/residents.shp"), 296);
    assert_int_equal(file_size(TOWN "/residents.shx"), 156);
    assert_int_equal(file_size(TOWN "/residents.dbf"), 185);
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    set_path(&cfg.residents, TMP "/damaged/residents.shp");

    /* .shp cut inside record 4 (100 + 4*28 = 212 bytes reach it) */
    damaged_residents("shp", 220);
    load_fails(&cfg, GR_EIO, "damaged/residents.shp layer 'residents' feature 4: cannot read "
                             "it, the file is truncated or corrupt");
    /* .shp cut inside its header */
    damaged_residents("shp", 60);
    load_fails(&cfg, GR_EIO, "damaged/residents.shp: cannot open residents layer file");
    /* .shx cut: its record count no longer matches */
    damaged_residents("shx", 120);
    load_fails(&cfg, GR_EIO, "damaged/residents.shp: cannot open residents layer file");
    /* .dbf cut inside record 3 (65 + 3*17 = 116 bytes reach it) */
    damaged_residents("dbf", 120);
    load_fails(&cfg, GR_EIO, "layer 'residents' feature 3: cannot read it, the file is "
                             "truncated or corrupt");
    /* .dbf cut inside its field descriptors: the field is gone */
    damaged_residents("dbf", 50);
    load_fails(&cfg, GR_EINPUT, "layer 'residents': no field 'population'");

    /* record 2's offset in the .shx (bytes 100 + 2*8, big-endian 16-bit
     * words) overwritten to point far past the end of the .shp */
    damaged_residents("prj", 1000);
    FILE *f = fopen(TMP "/damaged/residents.shx", "r+b");
    assert_non_null(f);
    fseek(f, 100 + 2 * 8, SEEK_SET);
    fwrite("\x00\x7f\xff\xff", 1, 4, f);
    fclose(f);
    load_fails(&cfg, GR_EIO, "layer 'residents' feature 2: cannot read it");
}

/* ---- the network and the run ---- */

/* Paths in two islands: the town's footway (y=0, x 0..3000, the park P1
 * at its start) and a footway along y=300 from x=1500 to 2500 that touches
 * nothing. Residents: r0 (500,10) pop 10 on the main island, 510 m from
 * the park; r1 (2000,310) pop 7 and r2 (1600,290) pop 3 snap to the island
 * (10 m off it, 290 m from the main footway), where no park entrance is;
 * r3 (-1000,10) pop 4 is 1000 m beyond the footway's start (unsnapped,
 * cap 250 m) and outside both wards (x < -200). A second park P9 at
 * (1000..1100, 2000..2100) is 2000 m from any path: unreached. */
static void write_islands(void)
{
    static const double path_xy[] = { 0, 0, 500, 0, 1000, 0, 1500, 0, 2000, 0, 2500, 0, 3000, 0,
                                      1500, 300, 2500, 300 };
    layer_t P = { TMP "/islands/paths", SHPT_ARC, GR_WKT_BNG, 1, PATH_F, "C", 0 };
    write_layer(&P, 2, (const int[]){ 7, 2 }, path_xy,
                (const char *const[]){ "footway", "footway" });
    static const double site_xy[] = { -100, -50, -100, 50, 0, 50, 0, -50, -100, -50,
                                      1000, 2000, 1000, 2100, 1100, 2100, 1100, 2000, 1000, 2000 };
    layer_t S = { TMP "/islands/greenspaces", SHPT_POLYGON, GR_WKT_BNG, 2, SITE_F, "CC", 0 };
    write_layer(&S, 2, (const int[]){ 5, 5 }, site_xy,
                (const char *const[]){ "P1", "park", "P9", "park" });
    write_residents(TMP "/islands/residents", 4,
                    (const double[]){ 500, 10, 2000, 310, 1600, 290, -1000, 10 },
                    (const char *const[]){ "10", "7", "3", "4" });
}

static void islands_config(gr_config_t *cfg)
{
    fx_town_config(cfg, TOWN);
    set_path(&cfg->paths, TMP "/islands/paths.shp");
    set_path(&cfg->greenspaces, TMP "/islands/greenspaces.shp");
    set_path(&cfg->residents, TMP "/islands/residents.shp");
}

/* The real command on the islands fixture, into TMP/islands/out. */
static void islands_cli(void)
{
    gr_config_t cfg;
    islands_config(&cfg);
    cli_ok(&cfg, TMP "/islands/out");
}

/* Two islands; r1 and r2 (pop 7 + 3 = 10) are on the one without a park:
 * cut off, 1 island. Their distances are infinite. */
static void test_path_islands(void **state)
{
    (void)state;
    write_islands();
    gr_config_t cfg;
    islands_config(&cfg);
    gr_run_t *run = run_ok(&cfg);
    assert_int_equal(run->g->stats.components, 2);
    const gr_cat_result_t *park = &run->cats[0];
    gr_islands_cut_off_t cut;
    gr_error_t err = {0};
    assert_int_equal(gr_islands_cut_off(run->g, park->field->src, park->field->n_src,
                                        run->res_snap, run->ds->residents.pop,
                                        run->ds->residents.n, &cut, &err), 0);
    assert_int_equal(cut.residents, 2);
    assert_float_equal(cut.population, 10.0, 1e-9);
    assert_int_equal(cut.islands, 1);
    assert_float_equal(park->res_dist_m[0], 510.0, 0.01);
    assert_true(isinf(park->res_dist_m[1]) && isinf(park->res_dist_m[2]));
    /* the run counts them per category: parks have entrances, meadows none */
    assert_int_equal(park->cut_off.residents, 2);
    assert_float_equal(park->cut_off.population, 10.0, 1e-9);
    assert_int_equal(park->cut_off.islands, 1);
    int meadow = gr_config_category(&run->cfg, "meadow");
    assert_true(meadow > 0);
    assert_int_equal(run->cats[meadow].n_sources, 0);
    assert_int_equal(run->cats[meadow].cut_off.residents, 0);
    /* with no sources every snapped resident (r0, r1, r2) is cut off */
    assert_int_equal(gr_islands_cut_off(run->g, NULL, 0, run->res_snap, NULL,
                                        run->ds->residents.n, &cut, &err), 0);
    assert_int_equal(cut.residents, 3);
    assert_int_equal(cut.islands, 2);
    gr_run_free(run);
    islands_cli();
    assert_warned(TMP "/islands/out", "cut_off.park = 2 residents, 10 people, on 1 path islands "
                  "with no entrance", "2 resident points (10 people) are on 1 path islands with "
                  "no park entrance: no walk along the paths reaches one, however long.");
    assert_output_has(TMP "/islands/out", "run_summary.txt",
                      "\ncut_off.meadow = n/a (no entrance anywhere)\n");
}

/* r3 at x=-1000 is in no ward: counted outside (1 resident, pop 4) and
 * not in the ward rows; the total row holds 10 + 7 + 3 = 20. */
static void test_residents_outside_wards(void **state)
{
    (void)state;
    write_islands();
    gr_config_t cfg;
    islands_config(&cfg);
    gr_run_t *run = run_ok(&cfg);
    const gr_coverage_t *cv = run->cats[0].cov;
    assert_int_equal(cv->residents_outside, 1);
    assert_float_equal(cv->pop_outside, 4.0, 1e-9);
    assert_float_equal(cv->pop[cv->n_wards], 20.0, 1e-9);
    assert_int_equal(run->n_unsnapped, 1);
    gr_run_free(run);
    islands_cli();
    assert_warned(TMP "/islands/out", "residents.outside_wards = 1",
                  "1 resident points (4 people) lie outside every ward and are left out of the "
                  "ward and area figures.");
    assert_warned(TMP "/islands/out", "residents.unsnapped = 1",
                  "1 residents' points (4 people) are more than 250 m from any path");
    assert_output_has(TMP "/islands/out", "ward_coverage.csv", "\n\"TOTAL\",\"All wards\",\"\",20,0,");
}

/* P9 is 2000 m from any path: 2 park sites, 1 unreached. */
static void test_sites_unreached(void **state)
{
    (void)state;
    write_islands();
    gr_config_t cfg;
    islands_config(&cfg);
    gr_run_t *run = run_ok(&cfg);
    assert_int_equal(run->cats[0].n_sites, 2);
    assert_int_equal(run->cats[0].n_sites_unreached, 1);
    gr_run_free(run);
    islands_cli();
    assert_output_has(TMP "/islands/out", "run_summary.txt",
                      "\ncategory.park = 2 sites, 1 unreached, ");
    assert_output_has(TMP "/islands/out", "report.md",
                      "1 of 2 park sites have no path entrance within 250 m and serve nobody.");
    assert_output_has(TMP "/islands/out", "report.html",
                      "1 of 2 park sites have no path entrance within 250 m and serve nobody.");
}

/* ---- outputs and configuration ---- */

/* Tests run as root, for whom access(W_OK) is always true: what fails is a
 * folder under a regular file (mkdir: ENOTDIR) or a regular file named as
 * the folder. */
static void test_output_folder_not_writable(void **state)
{
    (void)state;
    gr_error_t err = {0};
    write_file(TMP "/afile", "x\n");
    assert_int_equal(gr_export_prepare_dir(TMP "/afile/out", &err), GR_EIO);
    assert_non_null(strstr(err.msg, "afile/out: cannot create output folder: Not a directory"));
    assert_int_equal(gr_export_prepare_dir(TMP "/afile", &err), GR_EIO);
    assert_non_null(strstr(err.msg, "afile"));

    /* the command: exit 1 before any work, one line */
    gr_config_t cfg;
    char msg[4096];
    fx_town_config(&cfg, TOWN);
    write_ini(&cfg, TMP "/cli.ini");
    assert_int_equal(run_cli_limited(TMP "/cli.ini", TMP "/afile/out", 0, msg, sizeof msg), 1);
    assert_one_line(msg, "greenreach: error: ", "afile/out: cannot create output folder: "
                                                "Not a directory");

    /* a folder where report.md goes: the rename fails, naming it, and no
     * temporary file is left behind */
    fx_mkdir(TMP "/taken/report.md");
    assert_int_equal(run_cli_limited(TMP "/cli.ini", TMP "/taken", 0, msg, sizeof msg), 1);
    assert_one_line(msg, "greenreach: error: ", "taken/report.md");
    DIR *d = opendir(TMP "/taken");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        assert_true(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
                    e->d_name[0] != '.');
    closedir(d);
}

static void config_fails(const char *text, int code, const char *want)
{
    write_file(TMP "/bad.ini", text);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    int rc = gr_config_load(&cfg, TMP "/bad.ini", &err);
    if (rc != code || !strstr(err.msg, want))
        print_error("rc %d: %s\n  wanted: %s\n", rc, err.msg, want);
    assert_int_equal(rc, code);
    assert_non_null(strstr(err.msg, want));
    /* the command: exit 2 (configuration), one line */
    char msg[4096];
    assert_int_equal(run_cli_limited(TMP "/bad.ini", TMP "/cli_out", 0, msg, sizeof msg), 2);
    assert_one_line(msg, "greenreach: ", want);
}

static void test_config_unknown_keys_and_bad_values(void **state)
{
    (void)state;
    config_fails("[walk]\nspeed_kmh = 4.8\nspead_kmh = 5\n", GR_ECONFIG,
                 "bad.ini:3: unknown key 'spead_kmh' in section [walk]");
    config_fails("[walks]\nspeed_kmh = 4.8\n", GR_ECONFIG, "bad.ini:2: unknown key 'speed_kmh'");
    config_fails("[walk]\nspeed_kmh = fast\n", GR_ECONFIG,
                 "bad.ini:2: 'speed_kmh' must be a positive number, got 'fast'");
    config_fails("[network]\n\nsnap_max_m = -5\n", GR_ECONFIG, "bad.ini:3: 'snap_max_m'");
    config_fails("[walk]\nthresholds_min = 15, 0\n", GR_ECONFIG,
                 "bad.ini:2: threshold ' 0' is not a positive number");
    config_fails("[walk]\nspeed_kmh = nan\n", GR_ECONFIG, "bad.ini:2:");
    config_fails("just text\n", GR_ECONFIG, "bad.ini:1:");
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, TMP "/no_such.ini", &err), GR_EIO);
    assert_non_null(strstr(err.msg, "no_such.ini: cannot open config file"));
    char msg[4096];
    assert_int_equal(run_cli_limited(TMP "/no_such.ini", TMP "/cli_out", 0, msg, sizeof msg), 2);
    assert_one_line(msg, "greenreach: ", "no_such.ini: cannot open config file");
}

/* ---- atomic outputs: a run killed midway ---- */

typedef struct {
    char path[512];     /* relative to the output folder */
    char *data;
    long size;
} snap_file_t;

typedef struct {
    snap_file_t f[64];
    int n;
} out_snapshot_t;

static char *read_all(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)*size + 1);
    if (fread(buf, 1, (size_t)*size, f) != (size_t)*size)
        *size = -1;
    buf[*size > 0 ? *size : 0] = '\0';
    fclose(f);
    return buf;
}

/* Every visible regular file under dir/rel (temporary files start with a
 * dot and are not outputs). */
static void snapshot(const char *dir, const char *rel, out_snapshot_t *s)
{
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", dir, rel);
    DIR *d = opendir(full);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char r[512], p[1536];
        snprintf(r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(p, sizeof p, "%s/%s", dir, r);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            snapshot(dir, r, s);
            continue;
        }
        assert_true(s->n < 64);
        snap_file_t *f = &s->f[s->n++];
        snprintf(f->path, sizeof f->path, "%s", r);
        f->data = read_all(p, &f->size);
        assert_non_null(f->data);
    }
    closedir(d);
}

static void snapshot_free(out_snapshot_t *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->f[i].data);
    s->n = 0;
}

/* Text with every run of digits folded to '#': a complete report or
 * summary from another run differs from the reference only in times and
 * dates. */
static char *masked(const char *data, long size)
{
    char *m = malloc((size_t)size + 1);
    long k = 0;
    for (long i = 0; i < size; i++) {
        int is_digit = data[i] >= '0' && data[i] <= '9';
        if (!is_digit)
            m[k++] = data[i];
        else if (i == 0 || !(data[i - 1] >= '0' && data[i - 1] <= '9'))
            m[k++] = '#';
    }
    m[k] = '\0';
    return m;
}

static long gpkg_features(const char *path)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return -1;
    long n = 0;
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++)
        n += (long)OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, i), 1);
    GDALClose(ds);
    return n;
}

/* A file is intact when it is byte for byte what was there before the
 * killed run, or a complete new output: equal to the reference run's
 * (digits aside for text; the same feature count for a GeoPackage). */
static int file_is_intact(const char *dir, const snap_file_t *before, const snap_file_t *ref)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, before->path);
    long size = 0;
    char *now = read_all(p, &size);
    if (!now)
        return 0;
    int ok = (size == before->size && memcmp(now, before->data, (size_t)size) == 0) ||
             (size == ref->size && memcmp(now, ref->data, (size_t)size) == 0);
    if (!ok && strstr(before->path, ".gpkg")) {
        char refp[1024];
        snprintf(refp, sizeof refp, TMP "/kill/ref-%s", before->path);
        ok = gpkg_features(p) == gpkg_features(refp);
    }
    else if (!ok && memchr(ref->data, '\0', (size_t)ref->size) == NULL) {
        char *a = masked(now, size), *b = masked(ref->data, ref->size);
        ok = strcmp(a, b) == 0;
        free(a);
        free(b);
    }
    free(now);
    return ok;
}

static uint64_t fnv1a(const char *path)
{
    long size = 0;
    char *data = read_all(path, &size);
    assert_non_null(data);
    uint64_t h = 1469598103934665603ULL;
    for (long i = 0; i < size; i++)
        h = (h ^ (uint8_t)data[i]) * 1099511628211ULL;
    free(data);
    return h;
}

/* Starts `greenreach run` on the kill config; returns its pid. */
static pid_t start_run(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(GR_CLI, GR_CLI, "run", "--quiet", "--config", TMP "/kill/run.ini", "--out",
              TMP "/kill/out", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static double run_to_end(void)
{
    double t0 = gr_now_s();
    int status;
    assert_int_equal(waitpid(start_run(), &status, 0) > 0, 1);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return gr_now_s() - t0;
}

static void write_kill_config(void)
{
    fx_mkdir(TMP "/kill");
    copy_file(GR_SOURCE_DIR "/geodata/rutland.gpkg", TMP "/kill/rutland.gpkg");
    FILE *f = fopen(TMP "/kill/run.ini", "w");
    assert_non_null(f);
    static const char *const layers[] = { "wards", "paths", "greenspaces", "residents" };
    for (int i = 0; i < 4; i++)
        fprintf(f, "[%s]\npath = %s\nlayer = %s\n", layers[i], TMP "/kill/rutland.gpkg",
                layers[i]);
    fclose(f);
}

/* The bundled Rutland data through the real command, killed with SIGKILL
 * at fractions of a full run's time (most near its end, where outputs are
 * written). Every output of the earlier run must stay intact, and the
 * input (opened read-only) must be unchanged: same bytes, no journal. */
static void test_killed_run_leaves_outputs_intact(void **state)
{
    (void)state;
    static const double fractions[] = { 0.2, 0.6, 0.8, 0.9, 0.95, 1.0 };
    write_kill_config();
    uint64_t input_hash = fnv1a(TMP "/kill/rutland.gpkg");
    /* Twice: from the second run on, the report carries a "since the last
     * run" section, so the reference is what every later run writes. */
    run_to_end();
    double full_s = run_to_end();
    out_snapshot_t ref = {0};
    snapshot(TMP "/kill/out", "", &ref);
    assert_true(ref.n >= 3);
    for (int i = 0; i < ref.n; i++) {
        char from[1024], to[1024];
        snprintf(from, sizeof from, TMP "/kill/out/%s", ref.f[i].path);
        snprintf(to, sizeof to, TMP "/kill/ref-%s", ref.f[i].path);
        if (strstr(ref.f[i].path, ".gpkg"))
            copy_file(from, to);
    }
    for (size_t k = 0; k < sizeof fractions / sizeof fractions[0]; k++) {
        out_snapshot_t before = {0};
        snapshot(TMP "/kill/out", "", &before);
        assert_int_equal(before.n, ref.n);
        pid_t pid = start_run();
        double delay = fractions[k] * full_s;
        struct timespec ts = { (time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9) };
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        for (int i = 0; i < before.n; i++) {
            int ok = file_is_intact(TMP "/kill/out", &before.f[i], &ref.f[i]);
            if (!ok)
                print_error("killed at %.2f s: %s damaged\n", delay, before.f[i].path);
            assert_true(ok);
        }
        snapshot_free(&before);
    }
    snapshot_free(&ref);
    assert_true(fnv1a(TMP "/kill/rutland.gpkg") == input_hash);
    assert_int_equal(file_size(TMP "/kill/rutland.gpkg-journal"), -1);
    assert_int_equal(file_size(TMP "/kill/rutland.gpkg-wal"), -1);
}

/* Inputs are opened read-only: inotify on the input folder (a GeoPackage,
 * whose SQLite would leave a journal or WAL if opened for writing, the
 * town's shapefiles and the config) sees files opened and read during a
 * whole run, and none opened for writing (IN_CLOSE_WRITE fires on closing
 * any file opened writable, even unchanged), modified, created, deleted,
 * renamed or touched. */
static void test_inputs_opened_read_only(void **state)
{
    (void)state;
    fx_mkdir(TMP "/ro");
    copy_file(GR_SOURCE_DIR "/geodata/rutland.gpkg", TMP "/ro/rutland.gpkg");
    static const char *const exts[] = { "shp", "shx", "dbf", "prj" };
    for (int i = 0; i < 4; i++) {
        char from[512], to[512];
        snprintf(from, sizeof from, TOWN "/greenspaces.%s", exts[i]);
        snprintf(to, sizeof to, TMP "/ro/greenspaces.%s", exts[i]);
        copy_file(from, to);
    }
    gr_config_t cfg;
    fx_town_config(&cfg, TOWN);
    gr_layer_spec_t *specs[] = { &cfg.wards, &cfg.paths, &cfg.residents };
    static const char *const layers[] = { "wards", "paths", "residents" };
    for (int i = 0; i < 3; i++) {
        set_path(specs[i], TMP "/ro/rutland.gpkg");
        snprintf(specs[i]->layer, sizeof specs[i]->layer, "%s", layers[i]);
    }
    set_path(&cfg.greenspaces, TMP "/ro/greenspaces.shp");
    write_ini(&cfg, TMP "/ro/run.ini");
    uint64_t hash = fnv1a(TMP "/ro/rutland.gpkg");

    int fd = inotify_init1(IN_NONBLOCK);
    assert_true(fd >= 0);
    const uint32_t writes = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                            IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
    assert_true(inotify_add_watch(fd, TMP "/ro", writes | IN_OPEN | IN_ACCESS) >= 0);
    char msg[4096];
    int status = run_cli_limited(TMP "/ro/run.ini", TMP "/ro_out", 0, msg, sizeof msg);
    if (status != 0)
        print_error("exit %d: %s\n", status, msg);
    assert_int_equal(status, 0);

    int n_open = 0, n_write = 0;
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (ssize_t len; (len = read(fd, buf, sizeof buf)) > 0;)
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            n_open += (ev->mask & IN_OPEN) != 0;
            if (ev->mask & writes) {
                n_write++;
                print_error("input folder written: mask %#x on %s\n", ev->mask,
                            ev->len ? ev->name : "(folder)");
            }
            p += sizeof *ev + ev->len;
        }
    close(fd);
    assert_true(n_open >= 3);   /* the watch saw the run: config, gpkg, shapefile */
    assert_int_equal(n_write, 0);
    assert_true(fnv1a(TMP "/ro/rutland.gpkg") == hash);
}

/* A write that fails midway (a file size limit of 1 MB: the 1.4 MB
 * residents.gpkg cannot be written, EFBIG) ends the run with exit 1 and
 * one line naming the output; every earlier output is intact (each either
 * as before or complete) and no temporary file is left. Runs after the
 * killed-run test, on its outputs. */
static void test_failed_write_leaves_outputs_intact(void **state)
{
    (void)state;
    /* the runs killed before leave their temporary files (nothing can
     * remove them on SIGKILL): clear them to see whether this run leaves any */
    DIR *d = opendir(TMP "/kill/out");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        char p[1024];
        snprintf(p, sizeof p, TMP "/kill/out/%s", e->d_name);
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-"))
            assert_int_equal(unlink(p), 0);
    }
    closedir(d);
    out_snapshot_t before = {0};
    snapshot(TMP "/kill/out", "", &before);
    assert_true(before.n >= 3);
    char msg[4096];
    int status = run_cli_limited(TMP "/kill/run.ini", TMP "/kill/out", 1000000, msg, sizeof msg);
    assert_int_equal(status, 1);
    /* both output halves hit the 1 MB limit; the layers' half is reported
     * first: greenreach.gpkg. GDAL writes only its empty tables; every
     * layer's rows go to the file at once, at the bulk write's COMMIT,
     * so no one layer is named */
    assert_one_line(msg, "greenreach: error: ", "kill/out/greenreach.gpkg: cannot write: ");
    assert_non_null(strstr(msg, ": cannot write: "));
    for (int i = 0; i < before.n; i++) {
        int ok = file_is_intact(TMP "/kill/out", &before.f[i], &before.f[i]);
        if (!ok)
            print_error("failed write: %s damaged\n", before.f[i].path);
        assert_true(ok);
    }
    d = opendir(TMP "/kill/out");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        assert_true(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
                    e->d_name[0] != '.');
    closedir(d);
    snapshot_free(&before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_missing_layer),
        cmocka_unit_test(test_missing_field),
        cmocka_unit_test(test_field_of_wrong_type),
        cmocka_unit_test(test_wrong_geometry_type),
        cmocka_unit_test(test_empty_layer),
        cmocka_unit_test(test_no_crs),
        cmocka_unit_test(test_geographic_and_mixed_crs),
        cmocka_unit_test(test_invalid_polygons_repaired),
        cmocka_unit_test(test_null_and_empty_geometries),
        cmocka_unit_test(test_bad_coordinates),
        cmocka_unit_test(test_geographic_out_of_range),
        cmocka_unit_test(test_nan_in_geojson),
        cmocka_unit_test(test_blank_negative_population),
        cmocka_unit_test(test_duplicate_site_ids),
        cmocka_unit_test(test_truncated_and_corrupt_files),
        cmocka_unit_test(test_path_islands),
        cmocka_unit_test(test_residents_outside_wards),
        cmocka_unit_test(test_sites_unreached),
        cmocka_unit_test(test_output_folder_not_writable),
        cmocka_unit_test(test_config_unknown_keys_and_bad_values),
        cmocka_unit_test(test_killed_run_leaves_outputs_intact),
        cmocka_unit_test(test_failed_write_leaves_outputs_intact),
        cmocka_unit_test(test_inputs_opened_read_only),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
