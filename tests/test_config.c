/* test_config.c - shipped defaults, threshold conversion, site-function
 * normalising and list matching, and reading INI files (good settings,
 * category sections, and errors that name the file and line). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/config.h"

#define assert_contains(hay, needle)                                               \
    do {                                                                           \
        if (!strstr((hay), (needle)))                                              \
            fail_msg("'%s' does not contain '%s'", (hay), (needle));               \
    } while (0)

/* Writes text to GR_TEST_TMP/name; path receives the full path. */
static void write_ini(const char *name, const char *text, char *path, size_t n)
{
    assert_int_equal(fx_mkdir(GR_TEST_TMP), 0);
    snprintf(path, n, "%s/%s", GR_TEST_TMP, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_defaults(void **state)
{
    (void)state;
    gr_config_t cfg;
    gr_config_defaults(&cfg);
    assert_near(cfg.speed_kmh, 4.8, 0.0);
    assert_int_equal(cfg.n_thresholds, 2);
    assert_near(cfg.threshold_min[0], 15.0, 0.0);
    assert_near(cfg.threshold_min[1], 20.0, 0.0);
    /* 15 min * 4.8 km/h = 15 * 4800 / 60 = 1200 m; 20 min: 1600 m */
    assert_near(gr_config_threshold_m(&cfg, 0), 1200.0, 1e-9);
    assert_near(gr_config_threshold_m(&cfg, 1), 1600.0, 1e-9);
    assert_near(gr_config_max_threshold_m(&cfg), 1600.0, 1e-9);
    assert_near(cfg.join_tol_m, 1.0, 0.0);
    assert_near(cfg.snap_max_m, 250.0, 0.0);
    assert_true(cfg.n_categories >= 1);
    assert_string_equal(cfg.categories[0].name, "park");
    assert_true(gr_list_contains(cfg.categories[0].functions, "public_park_or_garden"));
    assert_true(gr_list_contains(cfg.unwalkable, "motorway"));
    assert_false(gr_list_contains(cfg.unwalkable, "footway"));
}

static void test_max_threshold_any_order(void **state)
{
    (void)state;
    gr_config_t cfg;
    gr_config_defaults(&cfg);
    cfg.speed_kmh = 6.0;
    cfg.n_thresholds = 3;
    cfg.threshold_min[0] = 30.0;   /* 30 * 6000 / 60 = 3000 m */
    cfg.threshold_min[1] = 5.0;    /* 500 m */
    cfg.threshold_min[2] = 10.0;   /* 1000 m */
    assert_near(gr_config_threshold_m(&cfg, 1), 500.0, 1e-9);
    assert_near(gr_config_max_threshold_m(&cfg), 3000.0, 1e-9);
}

static void test_normalise_function(void **state)
{
    (void)state;
    char out[64];
    gr_normalise_function("Public Park Or Garden", out, sizeof out);
    assert_string_equal(out, "public_park_or_garden");
    gr_normalise_function("  play--space ", out, sizeof out);
    assert_string_equal(out, "play_space");     /* no leading/trailing '_', one between */
    gr_normalise_function("Zone 3B / East", out, sizeof out);
    assert_string_equal(out, "zone_3b_east");
    gr_normalise_function(" -- ", out, sizeof out);
    assert_string_equal(out, "");
    /* a 4-byte buffer keeps 3 characters and the terminator */
    gr_normalise_function("Park", out, 4);
    assert_string_equal(out, "par");
}

static void test_list_contains(void **state)
{
    (void)state;
    const char *list = "park, Public Park Or Garden,village_green";
    assert_true(gr_list_contains(list, "park"));
    assert_true(gr_list_contains(list, "public_park_or_garden"));
    assert_true(gr_list_contains(list, "village_green"));
    assert_false(gr_list_contains(list, "green"));       /* whole entries only */
    assert_false(gr_list_contains(list, "public_park")); /* likewise */
    assert_false(gr_list_contains("a,,b", ""));          /* empty entries never match */
    assert_false(gr_list_contains("", "park"));
}

static void test_load_good(void **state)
{
    (void)state;
    char path[1024];
    write_ini("good.ini",
              "; a run over other data\n"
              "[walk]\n"
              "speed_kmh = 6\n"
              "thresholds_min = 10, 15, 20\n"
              "\n"
              "[network]\n"
              "join_tolerance_m = 2.5\n"
              "\n"
              "[category.play]\n"
              "functions = Play Space, playing_field\n"
              "\n"
              "[category.allotment]\n"
              "functions = allotments_or_community_growing_spaces\n"
              "\n"
              "[output]\n"
              "dir = results\n",
              path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    int rc = gr_config_load(&cfg, path, &err);
    if (rc != 0)
        fail_msg("gr_config_load: %s", err.msg);
    assert_near(cfg.speed_kmh, 6.0, 0.0);
    assert_int_equal(cfg.n_thresholds, 3);
    assert_near(cfg.threshold_min[0], 10.0, 0.0);
    assert_near(cfg.threshold_min[1], 15.0, 0.0);
    assert_near(cfg.threshold_min[2], 20.0, 0.0);
    /* at 6 km/h = 100 m a minute: 1000, 1500, 2000 m */
    assert_near(gr_config_threshold_m(&cfg, 0), 1000.0, 1e-9);
    assert_near(gr_config_threshold_m(&cfg, 2), 2000.0, 1e-9);
    assert_near(gr_config_max_threshold_m(&cfg), 2000.0, 1e-9);
    assert_near(cfg.join_tol_m, 2.5, 0.0);
    assert_string_equal(cfg.out_dir, "results");
    /* the file's categories replace the default "park" one */
    assert_int_equal(cfg.n_categories, 2);
    assert_string_equal(cfg.categories[0].name, "play");
    assert_string_equal(cfg.categories[1].name, "allotment");
    assert_true(gr_list_contains(cfg.categories[0].functions, "play_space"));
    assert_true(gr_list_contains(cfg.categories[0].functions, "playing_field"));
    assert_false(gr_list_contains(cfg.categories[0].functions, "park"));
    /* untouched settings keep their defaults */
    assert_near(cfg.snap_max_m, 250.0, 0.0);
    assert_string_equal(cfg.paths.layer, "paths");
}

static void test_load_unknown_key(void **state)
{
    (void)state;
    char path[1024];
    write_ini("unknown_key.ini",
              "[walk]\n"              /* line 1 */
              "speed_kmh = 5\n"       /* line 2 */
              "colour = green\n",     /* line 3 */
              path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), GR_ECONFIG);
    assert_int_equal(err.code, GR_ECONFIG);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "unknown_key.ini:3:");
    assert_contains(err.msg, "colour");
}

static void test_load_unknown_section(void **state)
{
    (void)state;
    char path[1024];
    write_ini("unknown_section.ini",
              "[walk]\n"              /* line 1 */
              "speed_kmh = 5\n"       /* line 2 */
              "[walking]\n"           /* line 3 */
              "speed_kmh = 5\n",      /* line 4 */
              path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), GR_ECONFIG);
    assert_contains(err.msg, "unknown_section.ini:4:");
    assert_contains(err.msg, "walking");
}

static void test_load_bad_value(void **state)
{
    (void)state;
    char path[1024];
    write_ini("bad_value.ini",
              "# speeds\n"            /* line 1 */
              "[walk]\n"              /* line 2 */
              "\n"                    /* line 3 */
              "speed_kmh = fast\n",   /* line 4 */
              path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), GR_ECONFIG);
    assert_contains(err.msg, "bad_value.ini:4:");
    assert_contains(err.msg, "speed_kmh");
    assert_contains(err.msg, "fast");
}

static void test_load_bad_thresholds(void **state)
{
    (void)state;
    char path[1024];
    write_ini("bad_thresholds.ini",
              "[walk]\n"                      /* line 1 */
              "thresholds_min = 10, -5\n",    /* line 2: not positive */
              path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), GR_ECONFIG);
    assert_contains(err.msg, "bad_thresholds.ini:2:");
    assert_contains(err.msg, "-5");
}

/* inih cuts lines at 200 bytes; a longer line is an error naming it, not a
 * syntax error on a line that does not exist. */
static void test_load_line_too_long(void **state)
{
    (void)state;
    char path[1024], text[8192];
    int n = snprintf(text, sizeof text, "[category.park]\nfunctions = ");
    for (int i = 0; i < 60; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "park%d,", i);
    snprintf(text + n, sizeof text - (size_t)n, "\n");
    write_ini("too_long.ini", text, path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), GR_ECONFIG);
    assert_contains(err.msg, "too_long.ini:2: line is longer than 198 characters");
}

/* 130 characters of play classes: more than a play_class value holds. */
static void test_load_value_too_long(void **state)
{
    (void)state;
    char path[1024], text[1024];
    int n = snprintf(text, sizeof text, "[category.play]\nplay_class = ");
    for (int i = 0; i < 26; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "LEAP,");
    snprintf(text + n, sizeof text - (size_t)n, "\n");
    write_ini("value_too_long.ini", text, path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), GR_ECONFIG);
    assert_contains(err.msg, "value_too_long.ini:2: value of 'play_class' is too long");
}

/* Long lists go on over indented lines: one list, one neighbourhood. */
static void test_load_continuation_lines(void **state)
{
    (void)state;
    char path[1024];
    write_ini("continued.ini",
              "[category.park]\n"
              "functions = park, garden\n"
              "    village_green\n"
              "[neighbourhoods]\n"
              "Central = Edgeley, Manor\n"
              "  Davenport & Cale Green\n",
              path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), 0);
    assert_int_equal(cfg.n_categories, 1);
    assert_string_equal(cfg.categories[0].functions, "park, garden,village_green");
    assert_int_equal(cfg.n_nbhd_map, 1);
    assert_string_equal(cfg.nbhd_map[0].wards, "Edgeley, Manor,Davenport & Cale Green");
}

/* Two bad lines: the report is about the first (line 2), not the last. */
static void test_load_first_error_reported(void **state)
{
    (void)state;
    char path[1024];
    write_ini("two_errors.ini",
              "[network]\n"                   /* line 1 */
              "snap_max_m = 0\n"              /* line 2: must be positive */
              "join_tolerance_m = wide\n",    /* line 3 */
              path, sizeof path);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), GR_ECONFIG);
    assert_contains(err.msg, "two_errors.ini:2:");
    assert_contains(err.msg, "snap_max_m");
    assert_null(strstr(err.msg, "join_tolerance_m"));
}

static void test_load_missing_file(void **state)
{
    (void)state;
    const char *path = GR_TEST_TMP "/no_such_dir/none.ini";
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(gr_config_load(&cfg, path, &err), GR_EIO);
    assert_int_equal(err.code, GR_EIO);
    assert_contains(err.msg, path);
    assert_near(cfg.speed_kmh, 4.8, 0.0);   /* nothing read, nothing changed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_max_threshold_any_order),
        cmocka_unit_test(test_normalise_function),
        cmocka_unit_test(test_list_contains),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_unknown_key),
        cmocka_unit_test(test_load_unknown_section),
        cmocka_unit_test(test_load_bad_value),
        cmocka_unit_test(test_load_bad_thresholds),
        cmocka_unit_test(test_load_first_error_reported),
        cmocka_unit_test(test_load_line_too_long),
        cmocka_unit_test(test_load_value_too_long),
        cmocka_unit_test(test_load_continuation_lines),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
