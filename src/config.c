#include "greenreach/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static void add_category(gr_config_t *cfg, const char *name, const char *functions,
                         const char *play_classes, double thr_m)
{
    gr_category_t *c = &cfg->categories[cfg->n_categories++];
    COPY(c->name, name);
    COPY(c->functions, functions);
    COPY(c->play_classes, play_classes);
    if (thr_m > 0.0) {
        c->n_thr = 1;
        c->thr_value[0] = thr_m;
    }
}

/* The shipped categories. Fields in Trust states play distances in metres,
 * and a LEAP or NEAP also serves the younger LAP age group. */
static void default_categories(gr_config_t *cfg)
{
    add_category(cfg, "park", "park,public_park_or_garden,recreation_ground,village_green,"
                              "common,open_space,country_park", "", 0.0);
    add_category(cfg, "play_lap", "play_space,playground", "LAP,LEAP,NEAP", 100.0);
    add_category(cfg, "play_leap", "play_space,playground", "LEAP,NEAP", 400.0);
    add_category(cfg, "play_neap", "play_space,playground", "NEAP", 1000.0);
    add_category(cfg, "meadow", "meadow", "", 0.0);
    add_category(cfg, "orchard", "orchard", "", 0.0);
    add_category(cfg, "sports", "bowling_green,tennis_court,skate_park,playing_field,"
                                "other_sports_facility,pitch", "", 0.0);
    add_category(cfg, "corridor", "green_corridor", "", 0.0);
}

static void add_target(gr_config_t *cfg, const char *id, const char *title,
                       gr_target_kind_t kind, const char *category, const char *threshold,
                       gr_pop_filter_t pop, int scopes)
{
    gr_target_t *t = &cfg->targets[cfg->n_targets++];
    memset(t, 0, sizeof *t);
    COPY(t->id, id);
    COPY(t->title, title);
    t->kind = kind;
    COPY(t->category, category);
    COPY(t->threshold, threshold);
    t->level = 0.97;
    t->population = pop;
    t->scopes = scopes;
    t->min_sites = 1;
}

/* The council's targets as DESIGN.md states them. */
static void default_targets(gr_config_t *cfg)
{
    const int all = GR_SCOPE_WARD | GR_SCOPE_NBHD | GR_SCOPE_AREA;
    add_target(cfg, "park_20", "97% of residents within a 20-minute walk of a park or open space",
               GR_TARGET_COVERAGE, "park", "20min", GR_POP_ALL, all);
    add_target(cfg, "park_15_lowcar", "residents of low-car-ownership zones within a 15-minute "
               "walk of a park", GR_TARGET_COVERAGE, "park", "15min", GR_POP_LOWCAR, all);
    add_target(cfg, "meadow_ward", "a grassland meadow in every ward", GR_TARGET_PRESENCE,
               "meadow", "", GR_POP_ALL, GR_SCOPE_WARD | GR_SCOPE_AREA);
    add_target(cfg, "orchard_ward", "an orchard in every ward", GR_TARGET_PRESENCE, "orchard",
               "", GR_POP_ALL, GR_SCOPE_WARD | GR_SCOPE_AREA);
    add_target(cfg, "play_lap", "equipped play (LAP) within 100 m", GR_TARGET_COVERAGE,
               "play_lap", "100m", GR_POP_ALL, all);
    add_target(cfg, "play_leap", "equipped play (LEAP) within 400 m", GR_TARGET_COVERAGE,
               "play_leap", "400m", GR_POP_ALL, all);
    add_target(cfg, "play_neap", "a NEAP within 1000 m", GR_TARGET_COVERAGE, "play_neap",
               "1000m", GR_POP_ALL, all);
    add_target(cfg, "sports_nbhd", "outdoor sports facilities within a 20-minute walk in "
               "every neighbourhood", GR_TARGET_COVERAGE, "sports", "20min", GR_POP_ALL,
               GR_SCOPE_NBHD | GR_SCOPE_AREA);
    add_target(cfg, "corridor_nbhd", "a green corridor within a 20-minute walk in every "
               "neighbourhood", GR_TARGET_COVERAGE, "corridor", "20min", GR_POP_ALL,
               GR_SCOPE_NBHD | GR_SCOPE_AREA);
}

void gr_config_defaults(gr_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    const char *gpkg = "geodata/rutland.gpkg";
    COPY(cfg->wards.path, gpkg);        COPY(cfg->wards.layer, "wards");
    COPY(cfg->paths.path, gpkg);        COPY(cfg->paths.layer, "paths");
    COPY(cfg->greenspaces.path, gpkg);  COPY(cfg->greenspaces.layer, "greenspaces");
    COPY(cfg->residents.path, gpkg);    COPY(cfg->residents.layer, "residents");
    cfg->wards.is_required = cfg->paths.is_required = true;
    cfg->greenspaces.is_required = cfg->residents.is_required = true;

    COPY(cfg->f_ward_code, "ward_code");
    COPY(cfg->f_ward_name, "ward_name");
    COPY(cfg->f_nbhd, "nbhd");
    COPY(cfg->f_highway, "highway");
    COPY(cfg->f_site_id, "site_id");
    COPY(cfg->f_function, "function");
    COPY(cfg->f_play_class, "play_class");
    COPY(cfg->f_access_site_id, "site_id");
    COPY(cfg->f_population, "population");
    COPY(cfg->f_no_car_share, "no_car_share");

    COPY(cfg->unwalkable, "motorway,motorway_link,construction,proposed,"
                          "raceway,bus_guideway,abandoned,razed");
    cfg->join_tol_m = 1.0;
    cfg->snap_max_m = 250.0;
    cfg->access_assign_m = 25.0;
    cfg->speed_kmh = 4.8;
    cfg->n_thresholds = 2;
    cfg->threshold_min[0] = 15.0;
    cfg->threshold_min[1] = 20.0;
    default_categories(cfg);
    default_targets(cfg);
    cfg->lowcar_threshold = -1.0;
    COPY(cfg->out_dir, "out");
    cfg->formats = GR_FORMAT_GPKG;
    COPY(cfg->pg_schema, "public");
    cfg->catchment_buffer_m = 50.0;
    cfg->catchment_method = GR_CATCHMENT_GRID;
    cfg->catchment_cell_m = 10.0;
}

int gr_config_parse_formats(const char *list, unsigned *out)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        { "gpkg", GR_FORMAT_GPKG }, { "geojson", GR_FORMAT_GEOJSON },
        { "shp", GR_FORMAT_SHP }, { "postgis", GR_FORMAT_POSTGIS },
    };
    char buf[GR_LIST_MAX];
    *out = 0;
    COPY(buf, list);
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcasecmp(tok, names[i].name) == 0)
                bit = names[i].bit;
        if (!bit)
            return -1;
        *out |= bit;
    }
    return *out ? 0 : -1;
}

double gr_config_threshold_m(const gr_config_t *cfg, int i)
{
    return cfg->threshold_min[i] * cfg->speed_kmh * 1000.0 / 60.0;
}

double gr_config_max_threshold_m(const gr_config_t *cfg)
{
    double m = 0.0;
    for (int i = 0; i < cfg->n_thresholds; i++) {
        double t = gr_config_threshold_m(cfg, i);
        if (t > m)
            m = t;
    }
    return m;
}

int gr_config_category(const gr_config_t *cfg, const char *name)
{
    for (int c = 0; c < cfg->n_categories; c++)
        if (strcmp(cfg->categories[c].name, name) == 0)
            return c;
    return -1;
}

static int check_target(const gr_config_t *cfg, const gr_target_t *t, gr_error_t *err)
{
    int c = gr_config_category(cfg, t->category);
    if (c < 0)
        return gr_error_set(err, GR_ECONFIG, "target %s: no category '%s'", t->id, t->category);
    if (t->kind == GR_TARGET_PRESENCE)
        return 0;
    const gr_category_t *cat = &cfg->categories[c];
    for (int k = 0; k < cat->n_thr; k++)
        if (strcmp(cat->thr_label[k], t->threshold) == 0)
            return 0;
    return gr_error_set(err, GR_ECONFIG, "target %s: category '%s' has no threshold '%s'",
                        t->id, t->category, t->threshold);
}

static void resolve_categories(gr_config_t *cfg)
{
    for (int c = 0; c < cfg->n_categories; c++) {
        gr_category_t *cat = &cfg->categories[c];
        if (cat->n_thr == 0) {
            cat->n_thr = cfg->n_thresholds;
            cat->is_thr_minutes = true;
            memcpy(cat->thr_value, cfg->threshold_min, sizeof cat->thr_value);
        }
        for (int t = 0; t < cat->n_thr; t++) {
            double v = cat->thr_value[t];
            cat->thr_m[t] = cat->is_thr_minutes ? v * cfg->speed_kmh * 1000.0 / 60.0 : v;
            snprintf(cat->thr_label[t], sizeof cat->thr_label[t], "%g%s", v,
                     cat->is_thr_minutes ? "min" : "m");
        }
    }
}

int gr_config_resolve(gr_config_t *cfg, gr_error_t *err)
{
    resolve_categories(cfg);
    for (int i = 0; i < cfg->n_targets; i++) {
        int rc = check_target(cfg, &cfg->targets[i], err);
        if (rc)
            return rc;
    }
    if ((cfg->formats & GR_FORMAT_POSTGIS) && !cfg->pg_conn[0])
        return gr_error_set(err, GR_ECONFIG,
                            "format postgis needs a connection string ([output] postgis or --pg)");
    return 0;
}

double gr_category_max_m(const gr_category_t *c)
{
    double m = 0.0;
    for (int t = 0; t < c->n_thr; t++)
        m = c->thr_m[t] > m ? c->thr_m[t] : m;
    return m;
}

bool gr_category_has_site(const gr_category_t *c, const char *function,
                          const char *play_class, double area_m2)
{
    if (area_m2 < c->min_area_m2 || !gr_list_contains(c->functions, function))
        return false;
    if (!c->play_classes[0])
        return true;
    char norm[GR_NAME_MAX];
    gr_normalise_function(play_class, norm, sizeof norm);
    return norm[0] && gr_list_contains(c->play_classes, norm);
}

void gr_normalise_function(const char *in, char *out, size_t n)
{
    size_t k = 0;
    int pending_sep = 0;
    if (n == 0)
        return;
    for (const unsigned char *p = (const unsigned char *)in; *p && k + 1 < n; p++) {
        if (isalnum(*p)) {
            if (pending_sep && k > 0 && k + 2 < n)
                out[k++] = '_';
            pending_sep = 0;
            out[k++] = (char)tolower(*p);
        } else {
            pending_sep = 1;
        }
    }
    out[k] = '\0';
}

bool gr_list_contains(const char *list, const char *item)
{
    char tok[GR_LIST_MAX], norm[GR_LIST_MAX];
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len < sizeof tok) {
            memcpy(tok, p, len);
            tok[len] = '\0';
            gr_normalise_function(tok, norm, sizeof norm);
            if (norm[0] && strcmp(norm, item) == 0)
                return true;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

/* ---- INI reading ---- */

typedef struct {
    gr_config_t *cfg;
    const char *path;
    int has_own_categories;
    int has_own_targets;
    char msg[512];
    char first_msg[512];   /* inih goes on after an error; keep the first */
    /* inih hands each indented continuation line over as the same key
     * again: the value so far, to which the next piece is appended. */
    char last_section[GR_NAME_MAX], last_key[GR_NAME_MAX];
    char joined[2 * GR_LIST_MAX];
} ini_ctx_t;

typedef enum { K_STR, K_POS_DOUBLE, K_NONNEG_DOUBLE, K_THRESHOLDS, K_WALK_MODE, K_BOOL,
               K_FORMATS, K_CATCHMENT_METHOD } key_kind_t;

typedef struct {
    const char *section, *key;
    key_kind_t kind;
    size_t offset, size;
} key_spec_t;

#define S(sec, key, field) { sec, key, K_STR, offsetof(gr_config_t, field), sizeof(((gr_config_t *)0)->field) }
#define D(sec, key, field, kind) { sec, key, kind, offsetof(gr_config_t, field), 0 }

/* The one table of every accepted key: adding a setting is one line. */
static const key_spec_t keys[] = {
    S("wards", "path", wards.path), S("wards", "layer", wards.layer),
    S("wards", "assume_crs", wards.assume_crs),
    S("wards", "code_field", f_ward_code), S("wards", "name_field", f_ward_name),
    S("wards", "nbhd_field", f_nbhd),
    S("paths", "path", paths.path), S("paths", "layer", paths.layer),
    S("paths", "assume_crs", paths.assume_crs),
    S("paths", "highway_field", f_highway), S("paths", "unwalkable", unwalkable),
    S("greenspaces", "path", greenspaces.path), S("greenspaces", "layer", greenspaces.layer),
    S("greenspaces", "assume_crs", greenspaces.assume_crs),
    S("greenspaces", "site_id_field", f_site_id),
    S("greenspaces", "function_field", f_function),
    S("greenspaces", "play_class_field", f_play_class),
    S("access_points", "path", access_points.path),
    S("access_points", "layer", access_points.layer),
    S("access_points", "assume_crs", access_points.assume_crs),
    S("access_points", "site_id_field", f_access_site_id),
    D("access_points", "assign_within_m", access_assign_m, K_NONNEG_DOUBLE),
    S("residents", "path", residents.path), S("residents", "layer", residents.layer),
    S("residents", "assume_crs", residents.assume_crs),
    S("residents", "population_field", f_population),
    S("residents", "no_car_share_field", f_no_car_share),
    S("homes", "path", homes.path), S("homes", "layer", homes.layer),
    S("homes", "assume_crs", homes.assume_crs), S("homes", "weight_field", f_home_weight),
    S("homes", "where", homes_where),
    D("network", "join_tolerance_m", join_tol_m, K_NONNEG_DOUBLE),
    D("network", "snap_max_m", snap_max_m, K_POS_DOUBLE),
    D("walk", "speed_kmh", speed_kmh, K_POS_DOUBLE),
    D("walk", "thresholds_min", threshold_min, K_THRESHOLDS),
    D("walk", "mode", walk_mode, K_WALK_MODE),
    S("output", "dir", out_dir), S("output", "crs", target_crs),
    D("output", "compare_straight", compare_straight, K_BOOL),
    D("output", "formats", formats, K_FORMATS), S("output", "postgis", pg_conn),
    S("output", "pg_schema", pg_schema),
    D("catchment", "buffer_m", catchment_buffer_m, K_POS_DOUBLE),
    D("catchment", "method", catchment_method, K_CATCHMENT_METHOD),
    D("catchment", "cell_m", catchment_cell_m, K_POS_DOUBLE),
};

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end && isspace((unsigned char)*end))
        end++;
    if (end == s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_values(double *out, int *n_out, const char *value, char *msg, size_t n)
{
    char buf[GR_LIST_MAX];
    int count = 0;
    snprintf(buf, sizeof buf, "%s", value);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        double v;
        if (count == GR_MAX_THRESHOLDS) {
            snprintf(msg, n, "at most %d thresholds", GR_MAX_THRESHOLDS);
            return -1;
        }
        if (parse_double(tok, &v) || v <= 0) {
            snprintf(msg, n, "threshold '%s' is not a positive number", tok);
            return -1;
        }
        out[count++] = v;
    }
    if (count == 0) {
        snprintf(msg, n, "thresholds need at least one value");
        return -1;
    }
    *n_out = count;
    return 0;
}

/* The quoted value is clipped: a long list would swamp the one-line message. */
static int bad_value(ini_ctx_t *c, const char *key, const char *value, const char *expected)
{
    snprintf(c->msg, sizeof c->msg, "'%s' must be %s, got '%.80s'", key, expected, value);
    return -1;
}

/* The value itself is not echoed: it may be thousands of characters. */
static int too_long(ini_ctx_t *c, const char *key, size_t size)
{
    snprintf(c->msg, sizeof c->msg, "value of '%s' is too long (at most %zu characters)", key,
             size - 1);
    return -1;
}

/* Sets one key of a category section. */
static int set_category_key(ini_ctx_t *c, gr_category_t *cat, const char *key,
                            const char *value)
{
    if (strcmp(key, "functions") == 0)
        return COPY(cat->functions, value) >= (int)sizeof cat->functions
                   ? too_long(c, key, sizeof cat->functions)
                   : 0;
    if (strcmp(key, "play_class") == 0)
        return COPY(cat->play_classes, value) >= (int)sizeof cat->play_classes
                   ? too_long(c, key, sizeof cat->play_classes)
                   : 0;
    if (strcmp(key, "min_area_m2") == 0) {
        double v;
        if (parse_double(value, &v) || v < 0)
            return bad_value(c, key, value, "a non-negative number of square metres");
        cat->min_area_m2 = v;
        return 0;
    }
    if (strcmp(key, "thresholds_min") == 0 || strcmp(key, "thresholds_m") == 0) {
        cat->is_thr_minutes = strcmp(key, "thresholds_min") == 0;
        return parse_values(cat->thr_value, &cat->n_thr, value, c->msg, sizeof c->msg);
    }
    snprintf(c->msg, sizeof c->msg, "unknown key '%s' in [category.%s]", key, cat->name);
    return -1;
}

static int set_category(ini_ctx_t *c, const char *name, const char *key, const char *value)
{
    gr_config_t *cfg = c->cfg;
    if (!c->has_own_categories) {
        cfg->n_categories = 0;
        c->has_own_categories = 1;
    }
    int i = 0;
    while (i < cfg->n_categories && strcmp(cfg->categories[i].name, name) != 0)
        i++;
    if (i == cfg->n_categories) {
        if (i == GR_MAX_CATEGORIES) {
            snprintf(c->msg, sizeof c->msg, "at most %d categories", GR_MAX_CATEGORIES);
            return -1;
        }
        cfg->n_categories++;
        memset(&cfg->categories[i], 0, sizeof cfg->categories[i]);
        COPY(cfg->categories[i].name, name);
    }
    return set_category_key(c, &cfg->categories[i], key, value);
}

static int set_key(ini_ctx_t *c, const key_spec_t *k, const char *value)
{
    char *base = (char *)c->cfg + k->offset;
    double v;
    switch (k->kind) {
    case K_STR:
        if (strlen(value) >= k->size) {
            snprintf(c->msg, sizeof c->msg, "value of '%s' is too long", k->key);
            return -1;
        }
        memcpy(base, value, strlen(value) + 1);
        return 0;
    case K_FORMATS:
        if (gr_config_parse_formats(value, (unsigned *)base)) {
            snprintf(c->msg, sizeof c->msg, "'%s' must list gpkg, geojson, shp or postgis, got '%.80s'",
                     k->key, value);
            return -1;
        }
        return 0;
    case K_THRESHOLDS:
        return parse_values(c->cfg->threshold_min, &c->cfg->n_thresholds, value, c->msg,
                            sizeof c->msg);
    case K_WALK_MODE:
        if (strcmp(value, "network") != 0 && strcmp(value, "straight") != 0)
            return bad_value(c, k->key, value, "network or straight");
        *(gr_walk_mode_t *)base = strcmp(value, "network") == 0 ? GR_WALK_NETWORK
                                                                 : GR_WALK_STRAIGHT;
        return 0;
    case K_CATCHMENT_METHOD:
        if (strcmp(value, "grid") != 0 && strcmp(value, "buffer") != 0)
            return bad_value(c, k->key, value, "grid or buffer");
        *(gr_catchment_method_t *)base = strcmp(value, "grid") == 0 ? GR_CATCHMENT_GRID
                                                                     : GR_CATCHMENT_BUFFER;
        return 0;
    case K_BOOL:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return bad_value(c, k->key, value, "true or false");
        *(bool *)base = strcmp(value, "true") == 0;
        return 0;
    case K_POS_DOUBLE:
    case K_NONNEG_DOUBLE:
        if (parse_double(value, &v) || v < 0 || (k->kind == K_POS_DOUBLE && v == 0)) {
            snprintf(c->msg, sizeof c->msg, "'%s' must be a %s number, got '%.80s'", k->key,
                     k->kind == K_POS_DOUBLE ? "positive" : "non-negative", value);
            return -1;
        }
        *(double *)base = v;
        return 0;
    }
    return -1;
}

static int parse_scopes(const char *value, int *out)
{
    char buf[GR_NAME_MAX], norm[GR_NAME_MAX];
    static const char *const names[] = { "ward", "nbhd", "area" };
    *out = 0;
    COPY(buf, value);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        gr_normalise_function(tok, norm, sizeof norm);
        int bit = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(norm, names[i]) == 0)
                bit = 1 << i;
        if (bit < 0)
            return -1;
        *out |= bit;
    }
    return *out ? 0 : -1;
}

static int set_target_key(ini_ctx_t *c, gr_target_t *t, const char *key, const char *value)
{
    double v;
    if (strcmp(key, "title") == 0)
        return COPY(t->title, value) >= (int)sizeof t->title ? bad_value(c, key, value, "shorter") : 0;
    if (strcmp(key, "category") == 0)
        return COPY(t->category, value) >= (int)sizeof t->category ? bad_value(c, key, value, "shorter") : 0;
    if (strcmp(key, "threshold") == 0)
        return COPY(t->threshold, value) >= (int)sizeof t->threshold ? bad_value(c, key, value, "shorter") : 0;
    if (strcmp(key, "kind") == 0) {
        if (strcmp(value, "coverage") != 0 && strcmp(value, "presence") != 0)
            return bad_value(c, key, value, "coverage or presence");
        t->kind = strcmp(value, "coverage") == 0 ? GR_TARGET_COVERAGE : GR_TARGET_PRESENCE;
        return 0;
    }
    if (strcmp(key, "population") == 0) {
        if (strcmp(value, "all") != 0 && strcmp(value, "lowcar") != 0)
            return bad_value(c, key, value, "all or lowcar");
        t->population = strcmp(value, "all") == 0 ? GR_POP_ALL : GR_POP_LOWCAR;
        return 0;
    }
    if (strcmp(key, "scope") == 0)
        return parse_scopes(value, &t->scopes) ? bad_value(c, key, value, "a list of ward, nbhd, area") : 0;
    if (strcmp(key, "level") == 0)
        return (parse_double(value, &v) || v < 0 || v > 1) ? bad_value(c, key, value, "a share from 0 to 1")
                                                          : (t->level = v, 0);
    if (strcmp(key, "min_sites") == 0)
        return (parse_double(value, &v) || v < 1 || v != floor(v) || v > 1e6)
                   ? bad_value(c, key, value, "a whole number of at least 1")
                   : (t->min_sites = (int)v, 0);
    if (strcmp(key, "min_area_m2") == 0)
        return (parse_double(value, &v) || v < 0) ? bad_value(c, key, value, "a non-negative number")
                                                 : (t->min_area_m2 = v, 0);
    snprintf(c->msg, sizeof c->msg, "unknown key '%s' in [target.%s]", key, t->id);
    return -1;
}

static int set_target(ini_ctx_t *c, const char *id, const char *key, const char *value)
{
    gr_config_t *cfg = c->cfg;
    if (!c->has_own_targets) {
        cfg->n_targets = 0;
        c->has_own_targets = 1;
    }
    int i = 0;
    while (i < cfg->n_targets && strcmp(cfg->targets[i].id, id) != 0)
        i++;
    if (i == cfg->n_targets) {
        if (i == GR_MAX_TARGETS) {
            snprintf(c->msg, sizeof c->msg, "at most %d targets", GR_MAX_TARGETS);
            return -1;
        }
        gr_target_t *t = &cfg->targets[cfg->n_targets++];
        memset(t, 0, sizeof *t);
        COPY(t->id, id);
        t->level = 0.97;
        t->min_sites = 1;
        t->scopes = GR_SCOPE_WARD | GR_SCOPE_NBHD | GR_SCOPE_AREA;
    }
    return set_target_key(c, &cfg->targets[i], key, value);
}

static int set_nbhd(ini_ctx_t *c, const char *name, const char *wards)
{
    gr_config_t *cfg = c->cfg;
    int i = 0;
    while (i < cfg->n_nbhd_map && strcmp(cfg->nbhd_map[i].name, name) != 0)
        i++;
    if (i == GR_MAX_NBHDS) {
        snprintf(c->msg, sizeof c->msg, "at most %d neighbourhoods", GR_MAX_NBHDS);
        return -1;
    }
    gr_nbhd_map_t *m = &cfg->nbhd_map[i];
    if (COPY(m->name, name) >= (int)sizeof m->name)
        return too_long(c, name, sizeof m->name);
    if (COPY(m->wards, wards) >= (int)sizeof m->wards)
        return too_long(c, name, sizeof m->wards);
    if (i == cfg->n_nbhd_map)
        cfg->n_nbhd_map++;   /* a continuation line replaces, not adds */
    return 0;
}

static int set_lowcar(ini_ctx_t *c, const char *key, const char *value)
{
    double v;
    if (strcmp(key, "threshold") != 0) {
        snprintf(c->msg, sizeof c->msg, "unknown key '%s' in section [lowcar]", key);
        return -1;
    }
    if (strcmp(value, "auto") == 0) {
        c->cfg->lowcar_threshold = -1.0;
        return 0;
    }
    if (parse_double(value, &v) || v < 0 || v > 1)
        return bad_value(c, key, value, "auto or a share from 0 to 1");
    c->cfg->lowcar_threshold = v;
    return 0;
}

static int apply(ini_ctx_t *c, const char *section, const char *key, const char *value)
{
    if (strncmp(section, "category.", 9) == 0 && section[9])
        return set_category(c, section + 9, key, value);
    if (strncmp(section, "target.", 7) == 0 && section[7])
        return set_target(c, section + 7, key, value);
    if (strcmp(section, "neighbourhoods") == 0)
        return set_nbhd(c, key, value);
    if (strcmp(section, "lowcar") == 0)
        return set_lowcar(c, key, value);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
            return set_key(c, &keys[i], value);
    snprintf(c->msg, sizeof c->msg, "unknown key '%s' in section [%s]", key, section);
    return -1;
}

/* A list may go on over indented lines (or the key repeated): the pieces
 * are joined with commas, free text with a space. */
static const char *continued(ini_ctx_t *c, const char *section, const char *key,
                             const char *value)
{
    if (strcmp(section, c->last_section) != 0 || strcmp(key, c->last_key) != 0) {
        snprintf(c->last_section, sizeof c->last_section, "%s", section);
        snprintf(c->last_key, sizeof c->last_key, "%s", key);
        snprintf(c->joined, sizeof c->joined, "%s", value);
        return c->joined;
    }
    size_t n = strlen(c->joined);
    snprintf(c->joined + n, sizeof c->joined - n, "%s%s",
             strcmp(key, "title") == 0 ? " " : ",", value);
    return c->joined;
}

static int on_ini(void *user, const char *section, const char *key, const char *value)
{
    ini_ctx_t *c = user;
    if (apply(c, section, key, continued(c, section, key, value)) == 0)
        return 1;
    if (!c->first_msg[0])
        memcpy(c->first_msg, c->msg, sizeof c->msg);
    return 0;
}

/* inih reads at most INI_MAX_LINE bytes a line and parses the rest as a
 * line of its own, which would surface as a syntax error on a line that
 * does not exist. */
static int check_line_lengths(const char *path, gr_error_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return gr_error_set(err, GR_EIO, "%s: cannot open config file: %s", path,
                            strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    while (!rc && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len > INI_MAX_LINE - 2)
            rc = gr_error_set(err, GR_ECONFIG,
                              "%s:%d: line is longer than %d characters; continue a long "
                              "list on indented lines",
                              path, lineno, INI_MAX_LINE - 2);
    }
    free(line);
    fclose(f);
    return rc;
}

int gr_config_load(gr_config_t *cfg, const char *path, gr_error_t *err)
{
    ini_ctx_t c = { .cfg = cfg, .path = path };
    int rc = check_line_lengths(path, err);
    if (rc)
        return rc;
    rc = ini_parse(path, on_ini, &c);
    if (rc == -1)
        return gr_error_set(err, GR_EIO, "%s: cannot open config file", path);
    if (rc == -2)
        return gr_error_set(err, GR_ENOMEM, "%s: out of memory reading config", path);
    if (rc > 0)
        return gr_error_set(err, GR_ECONFIG, "%s:%d: %s", path, rc,
                            c.first_msg[0] ? c.first_msg : "syntax error");
    return 0;
}
