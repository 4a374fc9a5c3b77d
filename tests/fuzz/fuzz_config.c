/* fuzz_config.c - the INI config reader on arbitrary bytes: gr_config_load
 * (through a temporary file, as users give a path), then gr_config_resolve
 * and the category tests that read what was loaded. Checks that loading
 * either fails with a message or leaves every string terminated and every
 * count within its array. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "greenreach/config.h"

static char path[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/gr_fuzz_config_%ld.ini", tmp ? tmp : "/tmp", (long)getpid());
    return 0;
}

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define TERMINATED(s) CHECK(memchr((s), '\0', sizeof(s)) != NULL)

static void check_config(const gr_config_t *cfg)
{
    const gr_layer_spec_t *specs[] = { &cfg->wards, &cfg->paths, &cfg->greenspaces,
                                       &cfg->access_points, &cfg->residents };
    for (int i = 0; i < 5; i++) {
        TERMINATED(specs[i]->path);
        TERMINATED(specs[i]->layer);
        TERMINATED(specs[i]->assume_crs);
    }
    TERMINATED(cfg->unwalkable);
    TERMINATED(cfg->out_dir);
    TERMINATED(cfg->target_crs);
    CHECK(cfg->n_thresholds >= 1 && cfg->n_thresholds <= GR_MAX_THRESHOLDS);
    CHECK(cfg->n_categories >= 0 && cfg->n_categories <= GR_MAX_CATEGORIES);
    CHECK(cfg->speed_kmh > 0.0 && cfg->snap_max_m > 0.0 && cfg->join_tol_m >= 0.0);
    for (int c = 0; c < cfg->n_categories; c++) {
        const gr_category_t *cat = &cfg->categories[c];
        TERMINATED(cat->name);
        TERMINATED(cat->functions);
        TERMINATED(cat->play_classes);
        CHECK(cat->n_thr >= 1 && cat->n_thr <= GR_MAX_THRESHOLDS);
        for (int t = 0; t < cat->n_thr; t++) {
            TERMINATED(cat->thr_label[t]);
            CHECK(cat->thr_m[t] > 0.0);   /* may be +inf: see the report */
        }
        CHECK(gr_category_max_m(cat) > 0.0);
        gr_category_has_site(cat, "park", "", 1.0);
        gr_category_has_site(cat, "play_space", "NEAP", 1.0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    if (gr_config_load(&cfg, path, &err) == 0 && gr_config_resolve(&cfg, &err) == 0) {
        check_config(&cfg);
    } else {
        CHECK(err.code < 0 && err.msg[0] != '\0');
        CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
    }
    remove(path);
    return 0;
}
