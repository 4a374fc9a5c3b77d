/* test_shipped_configs.c - the configs the repository ships parse, and say
 * what they claim: geodata/sample.ini is exactly the shipped defaults, and
 * geodata/stockport/stockport.ini has Stockport's targets and its seven
 * neighbourhoods, whose ward names all exist in the kit's wards layer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <string.h>

#include "greenreach/config.h"

#define SAMPLE_INI GR_SOURCE_DIR "/geodata/sample.ini"
#define STOCKPORT_INI GR_SOURCE_DIR "/geodata/stockport/stockport.ini"
#define STOCKPORT_GPKG GR_SOURCE_DIR "/geodata/stockport/stockport.gpkg"
#define N_STOCKPORT_WARDS 21

static void load(gr_config_t *cfg, const char *path)
{
    gr_error_t err = {0};
    gr_config_defaults(cfg);
    int rc = gr_config_load(cfg, path, &err);
    if (rc == 0)
        rc = gr_config_resolve(cfg, &err);
    if (rc != 0)
        fail_msg("%s: %s", path, err.msg);
}

static const gr_target_t *target(const gr_config_t *cfg, const char *id)
{
    for (int i = 0; i < cfg->n_targets; i++)
        if (strcmp(cfg->targets[i].id, id) == 0)
            return &cfg->targets[i];
    fail_msg("no target '%s'", id);
    return NULL;
}

/* Number of comma-separated entries in a lookup value. */
static int count_entries(const char *list)
{
    int n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    return list[0] ? n : 0;
}

/* A coverage target with its level and threshold, resolved to metres. */
static void assert_coverage(const gr_config_t *cfg, const char *id, const char *category,
                            const char *threshold, double metres, gr_pop_filter_t pop,
                            int scopes)
{
    const gr_target_t *t = target(cfg, id);
    assert_int_equal(t->kind, GR_TARGET_COVERAGE);
    assert_string_equal(t->category, category);
    assert_string_equal(t->threshold, threshold);
    assert_true(t->level == 0.97);
    assert_int_equal(t->population, pop);
    assert_int_equal(t->scopes, scopes);
    const gr_category_t *c = &cfg->categories[gr_config_category(cfg, category)];
    int k = 0;
    while (k < c->n_thr && strcmp(c->thr_label[k], threshold) != 0)
        k++;
    assert_true(k < c->n_thr);
    assert_true(fabs(c->thr_m[k] - metres) < 1e-9);
}

static void assert_presence(const gr_config_t *cfg, const char *id, const char *category)
{
    const gr_target_t *t = target(cfg, id);
    assert_int_equal(t->kind, GR_TARGET_PRESENCE);
    assert_string_equal(t->category, category);
    assert_int_equal(t->min_sites, 1);
    assert_true(t->min_area_m2 == 0.0);
    assert_int_equal(t->scopes, GR_SCOPE_WARD | GR_SCOPE_AREA);
}

/* DESIGN.md's seven targets (play split by class): 20 min = 1600 m and
 * 15 min = 1200 m at 4.8 km/h; Fields in Trust 100, 400, 1000 m. */
static void assert_design_targets(const gr_config_t *cfg)
{
    const int all = GR_SCOPE_WARD | GR_SCOPE_NBHD | GR_SCOPE_AREA;
    const int nbhd = GR_SCOPE_NBHD | GR_SCOPE_AREA;
    assert_int_equal(cfg->n_targets, 9);
    assert_true(cfg->speed_kmh == 4.8);
    assert_coverage(cfg, "park_20", "park", "20min", 1600.0, GR_POP_ALL, all);
    assert_coverage(cfg, "park_15_lowcar", "park", "15min", 1200.0, GR_POP_LOWCAR, all);
    assert_presence(cfg, "meadow_ward", "meadow");
    assert_presence(cfg, "orchard_ward", "orchard");
    assert_coverage(cfg, "play_lap", "play_lap", "100m", 100.0, GR_POP_ALL, all);
    assert_coverage(cfg, "play_leap", "play_leap", "400m", 400.0, GR_POP_ALL, all);
    assert_coverage(cfg, "play_neap", "play_neap", "1000m", 1000.0, GR_POP_ALL, all);
    assert_coverage(cfg, "sports_nbhd", "sports", "20min", 1600.0, GR_POP_ALL, nbhd);
    assert_coverage(cfg, "corridor_nbhd", "corridor", "20min", 1600.0, GR_POP_ALL, nbhd);
    assert_true(cfg->lowcar_threshold < 0.0);   /* auto: the area-wide share */
}

/* Every setting of sample.ini equals the shipped default: field by field
 * for readable failures, then the whole structure. */
static void test_sample_is_defaults(void **state)
{
    (void)state;
    gr_config_t def, cfg;
    gr_config_defaults(&def);
    load(&cfg, SAMPLE_INI);
    gr_error_t err = {0};
    assert_int_equal(gr_config_resolve(&def, &err), 0);

    assert_string_equal(cfg.wards.path, def.wards.path);
    assert_string_equal(cfg.residents.layer, def.residents.layer);
    assert_string_equal(cfg.access_points.path, "");
    assert_string_equal(cfg.unwalkable, def.unwalkable);
    assert_int_equal(cfg.n_categories, def.n_categories);
    for (int i = 0; i < def.n_categories; i++) {
        assert_string_equal(cfg.categories[i].name, def.categories[i].name);
        assert_string_equal(cfg.categories[i].functions, def.categories[i].functions);
        assert_string_equal(cfg.categories[i].play_classes, def.categories[i].play_classes);
    }
    assert_int_equal(cfg.n_targets, def.n_targets);
    for (int i = 0; i < def.n_targets; i++) {
        assert_string_equal(cfg.targets[i].id, def.targets[i].id);
        assert_string_equal(cfg.targets[i].title, def.targets[i].title);
    }
    assert_int_equal(cfg.n_nbhd_map, 0);
    assert_design_targets(&cfg);
    assert_memory_equal(&cfg, &def, sizeof cfg);
}

/* Stockport's seven neighbourhoods (DESIGN.md, "Stockport kit"). */
static const struct {
    const char *name;
    int n_wards;
} stockport_nbhds[] = {
    { "Heatons & Reddish", 4 },
    { "Bramhall & Cheadle Hulme South", 3 },
    { "Central", 4 },
    { "Cheadle", 3 },
    { "Werneth", 2 },
    { "Stepping Hill", 3 },
    { "Marple", 2 },
};

static void test_stockport_config(void **state)
{
    (void)state;
    gr_config_t cfg;
    load(&cfg, STOCKPORT_INI);
    assert_int_equal(cfg.n_nbhd_map, 7);
    int total = 0;
    for (int i = 0; i < 7; i++) {
        assert_string_equal(cfg.nbhd_map[i].name, stockport_nbhds[i].name);
        assert_int_equal(count_entries(cfg.nbhd_map[i].wards), stockport_nbhds[i].n_wards);
        total += count_entries(cfg.nbhd_map[i].wards);
    }
    assert_int_equal(total, N_STOCKPORT_WARDS);
    assert_design_targets(&cfg);
    assert_string_equal(cfg.wards.path, "geodata/stockport/stockport_full.gpkg");
    assert_string_equal(cfg.paths.layer, "paths");
    assert_string_equal(cfg.greenspaces.layer, "greenspaces");
    assert_string_equal(cfg.residents.layer, "residents");
    assert_string_equal(cfg.access_points.layer, "access_points");
    assert_string_equal(cfg.out_dir, "out/stockport");
    assert_string_equal(cfg.target_crs, "EPSG:27700");
}

/* The lookup's ward names are the kit's 21 wards, each exactly once (a
 * misspelt name would only surface when a full run starts). */
static void test_stockport_lookup_matches_wards(void **state)
{
    (void)state;
    gr_config_t cfg;
    load(&cfg, STOCKPORT_INI);
    GDALAllRegister();
    GDALDatasetH ds = GDALOpenEx(STOCKPORT_GPKG, GDAL_OF_VECTOR | GDAL_OF_READONLY,
                                 NULL, NULL, NULL);
    assert_non_null(ds);
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "wards");
    assert_non_null(lyr);
    assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), N_STOCKPORT_WARDS);
    int seen = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
        const char *name = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "ward_name"));
        int hits = 0;
        for (int m = 0; m < cfg.n_nbhd_map; m++) {
            char buf[GR_LIST_MAX];
            snprintf(buf, sizeof buf, "%s", cfg.nbhd_map[m].wards);
            for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                while (*tok == ' ')
                    tok++;
                hits += strcmp(tok, name) == 0;
            }
        }
        if (hits != 1)
            fail_msg("ward '%s' is in %d neighbourhoods", name, hits);
        seen++;
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    assert_int_equal(seen, N_STOCKPORT_WARDS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_is_defaults),
        cmocka_unit_test(test_stockport_config),
        cmocka_unit_test(test_stockport_lookup_matches_wards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
