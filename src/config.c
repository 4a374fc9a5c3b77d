#include "greenreach/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

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
    cfg->n_categories = 1;
    COPY(cfg->categories[0].name, "park");
    COPY(cfg->categories[0].functions,
         "park,public_park_or_garden,recreation_ground,village_green,"
         "common,open_space,country_park");
    COPY(cfg->out_dir, "out");
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

void gr_config_resolve(gr_config_t *cfg)
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

double gr_category_max_m(const gr_category_t *c)
{
    double m = 0.0;
    for (int t = 0; t < c->n_thr; t++)
        m = c->thr_m[t] > m ? c->thr_m[t] : m;
    return m;
}

bool gr_category_has_site(const gr_category_t *c, const char *function,
                          const char *play_class)
{
    if (!gr_list_contains(c->functions, function))
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
    char msg[512];
    char first_msg[512];   /* inih goes on after an error; keep the first */
} ini_ctx_t;

typedef enum { K_STR, K_POS_DOUBLE, K_NONNEG_DOUBLE, K_THRESHOLDS } key_kind_t;

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
    D("network", "join_tolerance_m", join_tol_m, K_NONNEG_DOUBLE),
    D("network", "snap_max_m", snap_max_m, K_POS_DOUBLE),
    D("walk", "speed_kmh", speed_kmh, K_POS_DOUBLE),
    D("walk", "thresholds_min", threshold_min, K_THRESHOLDS),
    S("output", "dir", out_dir), S("output", "crs", target_crs),
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

/* Sets one key of a category section. */
static int set_category_key(ini_ctx_t *c, gr_category_t *cat, const char *key,
                            const char *value)
{
    if (strcmp(key, "functions") == 0)
        return COPY(cat->functions, value) >= (int)sizeof cat->functions ? -1 : 0;
    if (strcmp(key, "play_class") == 0)
        return COPY(cat->play_classes, value) >= (int)sizeof cat->play_classes ? -1 : 0;
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
    case K_THRESHOLDS:
        return parse_values(c->cfg->threshold_min, &c->cfg->n_thresholds, value, c->msg,
                            sizeof c->msg);
    case K_POS_DOUBLE:
    case K_NONNEG_DOUBLE:
        if (parse_double(value, &v) || v < 0 || (k->kind == K_POS_DOUBLE && v == 0)) {
            snprintf(c->msg, sizeof c->msg, "'%s' must be a %s number, got '%s'", k->key,
                     k->kind == K_POS_DOUBLE ? "positive" : "non-negative", value);
            return -1;
        }
        *(double *)base = v;
        return 0;
    }
    return -1;
}

static int apply(ini_ctx_t *c, const char *section, const char *key, const char *value)
{
    if (strncmp(section, "category.", 9) == 0 && section[9])
        return set_category(c, section + 9, key, value);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
            return set_key(c, &keys[i], value);
    snprintf(c->msg, sizeof c->msg, "unknown key '%s' in section [%s]", key, section);
    return -1;
}

static int on_ini(void *user, const char *section, const char *key, const char *value)
{
    ini_ctx_t *c = user;
    if (apply(c, section, key, value) == 0)
        return 1;
    if (!c->first_msg[0])
        memcpy(c->first_msg, c->msg, sizeof c->msg);
    return 0;
}

int gr_config_load(gr_config_t *cfg, const char *path, gr_error_t *err)
{
    ini_ctx_t c = { .cfg = cfg, .path = path };
    int rc = ini_parse(path, on_ini, &c);
    if (rc == -1)
        return gr_error_set(err, GR_EIO, "%s: cannot open config file", path);
    if (rc == -2)
        return gr_error_set(err, GR_ENOMEM, "%s: out of memory reading config", path);
    if (rc > 0)
        return gr_error_set(err, GR_ECONFIG, "%s:%d: %s", path, rc,
                            c.first_msg[0] ? c.first_msg : "syntax error");
    return 0;
}
