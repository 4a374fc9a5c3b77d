/* The check-site and suggest-sites commands: usage and input errors (exit
 * status and one-line message), and both working with their CSVs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "whatif_fixtures.h"
#include <sys/wait.h>
#include <unistd.h>

#define TMP GR_TEST_TMP
#define LINE TMP "/line"

/* ---- the commands ---- */

static int cli(const char *args, char *out, size_t n)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s %s > cli.txt 2>&1", LINE, GR_CLI, args);
    int status = system(cmd);
    FILE *f = fopen(LINE "/cli.txt", "r");
    size_t got = f ? fread(out, 1, n - 1, f) : 0;
    out[got] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_line_config(void)
{
    FILE *f = fopen(LINE "/line.ini", "w");
    assert_non_null(f);
    static const char *const layers[] = { "wards", "paths", "greenspaces", "residents" };
    for (int i = 0; i < 4; i++)
        fprintf(f, "[%s]\npath = %s/%s.shp\n", layers[i], LINE, layers[i]);
    fprintf(f, "no_car_share_field = no_car\n");
    fclose(f);
}

static void test_cli_errors(void **state)
{
    (void)state;
    char out[8192];
    wf_write_line_town(LINE);
    write_line_config();
    static const char *const lf[] = { "site_id" }, *const lv[] = { "L" };
    double lxy[4] = { 0, 0, 100, 100 };
    wf_shift(lxy, 2);
    fx_shp_t *s = fx_shp_create(LINE "/lines", SHPT_ARC, GR_WKT_BNG, 1, lf, "C");
    fx_shp_add(s, 2, lxy, lv);
    fx_shp_close(s);
    /* usage: nothing to check, no count, a bad grid step, both sources */
    assert_int_equal(cli("check-site --config line.ini", out, sizeof out), 2);
    assert_non_null(strstr(out, "usage: greenreach check-site"));
    assert_int_equal(cli("suggest-sites --config line.ini --grid 100", out, sizeof out), 2);
    assert_int_equal(cli("suggest-sites --config line.ini --grid -5 --count 2", out, sizeof out), 2);
    assert_int_equal(cli("suggest-sites --config line.ini --grid 100 --candidates cands.shp "
                         "--count 2", out, sizeof out), 2);
    assert_int_equal(cli("check-site --config line.ini --site cands.shp --bogus", out, sizeof out), 2);
    /* a target that is not a coverage target of the config */
    assert_int_equal(cli("suggest-sites --config line.ini --candidates cands.shp --count 2 "
                         "--target nosuch --quiet", out, sizeof out), 2);
    assert_non_null(strstr(out, "nosuch"));
    /* a missing file, and a line where a site should be: one line each,
     * naming the file (and the feature) */
    assert_int_equal(cli("check-site --config line.ini --site missing.gpkg --quiet", out,
                         sizeof out), 1);
    assert_non_null(strstr(out, "missing.gpkg"));
    assert_int_equal(cli("check-site --config line.ini --site lines.shp --quiet", out,
                         sizeof out), 1);
    assert_non_null(strstr(out, "lines.shp"));
    assert_non_null(strstr(out, "feature 0"));
    assert_int_equal(cli("check-site --config line.ini --add-paths cands.shp --quiet", out,
                         sizeof out), 1);
    assert_non_null(strstr(out, "cands.shp"));
    /* and both commands working, their CSVs in place */
    assert_int_equal(cli("suggest-sites --config line.ini --candidates cands.shp --count 2 "
                         "--out sout --quiet", out, sizeof out), 0);
    assert_non_null(strstr(out, "reached with 2 pick(s)"));
    assert_int_equal(access(LINE "/sout/suggest_sites.csv", R_OK), 0);
    assert_int_equal(cli("check-site --config line.ini --site cands.shp --out cout --quiet", out,
                         sizeof out), 0);
    assert_int_equal(access(LINE "/cout/check_site.csv", R_OK), 0);
    assert_int_equal(access(LINE "/cout/check_site_flips.csv", R_OK), 0);
}


int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
