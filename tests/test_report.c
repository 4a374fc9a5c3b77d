/* The report and the history it compares with, on the targets-town
 * fixture (fixtures.h) whose verdicts are known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/export.h"
#include "greenreach/map.h"
#include "greenreach/report.h"

#define DIR GR_TEST_TMP "/town"
#define OUT DIR "/out"

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    return fx_write_targets_town(DIR);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    buf[fread(buf, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Runs the fixture with park_20's level set to `level`, writes the ward
 * table and the report (comparing with the table already in OUT). */
static void run_and_report(double level)
{
    gr_config_t cfg;
    gr_run_t *run = NULL;
    gr_targets_t *tg = NULL;
    gr_history_t *prev = NULL;
    gr_error_t err = {0};
    fx_targets_town_config(&cfg, DIR);
    cfg.targets[0].level = level;
    assert_string_equal(cfg.targets[0].id, "park_20");
    assert_int_equal(gr_run_compute(&cfg, NULL, NULL, &run, &err), 0);
    assert_int_equal(gr_targets_evaluate(run, &tg, &err), 0);
    assert_int_equal(gr_export_prepare_dir(OUT, &err), 0);
    gr_history_load(OUT, &prev);
    assert_int_equal(gr_export_ward_csv(run, tg, NULL, OUT, &err), 0);
    assert_int_equal(gr_report_write(run, tg, prev, OUT, &err), 0);
    gr_history_free(prev);
    gr_targets_free(tg);
    gr_run_free(run);
}

/* First run, nothing to compare with. park_20 area-wide: 100 of 118
 * within 1600 m = 84.7%, short by ceil(0.97 * 118 - 100) = 15. */
static void test_report_first_run(void **state)
{
    (void)state;
    remove(OUT "/ward_coverage.csv");
    run_and_report(0.97);
    char *md = slurp(OUT "/report.md");
    assert_non_null(md);
    assert_non_null(strstr(md, "| park_20 | 97% of residents within a 20-minute walk of a park "
                               "or open space | MISSED | 84.7% (100 of 118) | 15 residents | 1 / 2 |"));
    assert_non_null(strstr(md, "| orchard_ward | an orchard in every ward | MISSED | 1 of 2 wards "
                               "| 1 wards (58 residents) | 1 / 2 |"));
    assert_non_null(strstr(md, "No earlier run in this output folder"));
    /* wards worst first by park_20: Ward B (69.0%) before Ward A (100%) */
    assert_true(strstr(md, "| Ward B |") < strstr(md, "| Ward A |"));
    free(md);
    char *html = slurp(OUT "/report.html");
    assert_int_equal(count(html, "src=\"data:image/png;base64,"), 4);
    assert_int_equal(count(html, "<script"), 0);
    free(html);
    for (int k = 0; k < GR_MAP_COUNT; k++) {
        char path[512];
        snprintf(path, sizeof path, OUT "/maps/%s.png", gr_map_names[k]);
        char *png = slurp(path);
        assert_non_null(png);
        assert_memory_equal(png, "\x89PNG", 4);
        free(png);
    }
}

/* Second run with park_20 at 60%: ward B (40/58 = 69.0%) and the area
 * (84.7%) now meet it; ward A is unchanged and not listed. */
static void test_report_changes(void **state)
{
    (void)state;
    remove(OUT "/ward_coverage.csv");
    run_and_report(0.97);
    run_and_report(0.60);
    char *md = slurp(OUT "/report.md");
    assert_non_null(strstr(md, "| Ward B | park_20 | 69.0% missed | 69.0% met |"));
    assert_non_null(strstr(md, "| All wards | park_20 | 84.7% missed | 84.7% met |"));
    assert_null(strstr(md, "| Ward A | park_20 |"));
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_first_run),
        cmocka_unit_test(test_report_changes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
