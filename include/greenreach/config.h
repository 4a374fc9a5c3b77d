/* config.h - run settings: input layers, field mapping, network and walking
 * parameters, site categories, thresholds.
 * Owns: plain fixed-size data, no heap; copy freely.
 * Needs: inih for reading the INI file (gr_config_load). */
#ifndef GR_CONFIG_H
#define GR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "greenreach/error.h"

#define GR_PATH_MAX 1024
#define GR_NAME_MAX 128
#define GR_LIST_MAX 1024
#define GR_MAX_THRESHOLDS 8
#define GR_MAX_CATEGORIES 16
#define GR_MAX_TARGETS 16
#define GR_MAX_NBHDS 64

/* One input layer: a file OGR can open, the layer inside it (empty: the
 * first/only layer) and the CRS to assume when the data declares none
 * (empty: a missing CRS is an error). */
typedef struct {
    char path[GR_PATH_MAX];
    char layer[GR_NAME_MAX];
    char assume_crs[GR_NAME_MAX];
    bool is_required;
} gr_layer_spec_t;

/* A site category: a name, the comma-separated site functions in it, an
 * optional play_class filter, an optional minimum site area (size-and-
 * distance tiers such as Natural England's "2 ha within 300 m": only sites
 * at least min_area_m2 large, measured in the run's metric CRS, count),
 * and its distance thresholds. Function values
 * are compared after normalising (lower case, runs of non-alphanumerics
 * become one underscore), so "Public Park Or Garden" matches
 * public_park_or_garden. Thresholds are given in minutes (at the walking
 * speed) or in metres (standards such as Fields in Trust state metres);
 * none given means the [walk] thresholds. gr_config_resolve fills thr_m and
 * thr_label ("15min", "400m"). */
typedef struct {
    char name[GR_NAME_MAX];
    char functions[GR_LIST_MAX];
    char play_classes[GR_NAME_MAX];     /* empty: any class */
    double min_area_m2;                 /* 0: any size */
    int n_thr;
    double thr_value[GR_MAX_THRESHOLDS];
    bool is_thr_minutes;
    double thr_m[GR_MAX_THRESHOLDS];
    char thr_label[GR_MAX_THRESHOLDS][24];
} gr_category_t;

/* A council target. Coverage targets ask that a share `level` of residents
 * (all, or those of low-car zones) live within `threshold` (a label of the
 * category's thresholds, e.g. "20min") of a site of `category`. Presence
 * targets ask for at least min_sites sites of `category` (each at least
 * min_area_m2) intersecting every ward. `scopes` says where the verdict is
 * given: per ward, per neighbourhood, area-wide (GR_SCOPE_* bits). */
typedef enum { GR_TARGET_COVERAGE, GR_TARGET_PRESENCE } gr_target_kind_t;
typedef enum { GR_POP_ALL, GR_POP_LOWCAR } gr_pop_filter_t;
enum { GR_SCOPE_WARD = 1, GR_SCOPE_NBHD = 2, GR_SCOPE_AREA = 4 };

typedef struct {
    char id[GR_NAME_MAX];
    char title[256];
    gr_target_kind_t kind;
    char category[GR_NAME_MAX];
    char threshold[24];
    double level;
    gr_pop_filter_t population;
    int scopes;
    int min_sites;
    double min_area_m2;
} gr_target_t;

/* Neighbourhood lookup entry: a name and the comma-separated codes or
 * names of its wards. Without entries the wards layer's nbhd field is used. */
typedef struct {
    char name[GR_NAME_MAX];
    char wards[GR_LIST_MAX];
} gr_nbhd_map_t;

/* How a resident's distance to a category is measured: walked along the
 * network to an entrance (the answer), or straight to the nearest site
 * polygon (0 inside), as buffer-based official figures measure it. */
typedef enum { GR_WALK_NETWORK, GR_WALK_STRAIGHT } gr_walk_mode_t;

/* How catchment polygons are drawn (catchment.h): traced on a grid of
 * cell_m around the reached paths (fast at any size), or the union of GEOS
 * buffers of every reached path (exact polygon arcs, slow on big towns). */
typedef enum { GR_CATCHMENT_GRID, GR_CATCHMENT_BUFFER } gr_catchment_method_t;

typedef struct {
    gr_layer_spec_t wards, paths, greenspaces, access_points, residents;
    /* optional where-people-live layer: residents given as zones are spread
     * over the homes inside them (empty path: zones stay at one point) */
    gr_layer_spec_t homes;

    /* field names in the input layers */
    char f_ward_code[GR_NAME_MAX], f_ward_name[GR_NAME_MAX], f_nbhd[GR_NAME_MAX];
    char f_highway[GR_NAME_MAX];
    char f_site_id[GR_NAME_MAX], f_function[GR_NAME_MAX], f_play_class[GR_NAME_MAX];
    char f_access_site_id[GR_NAME_MAX];
    char f_population[GR_NAME_MAX], f_no_car_share[GR_NAME_MAX];
    char f_home_weight[GR_NAME_MAX];   /* empty: every home weighs the same */
    char homes_where[GR_LIST_MAX];     /* OGR attribute filter on homes; empty: all */

    /* network */
    char unwalkable[GR_LIST_MAX];   /* comma-separated highway values */
    double join_tol_m;              /* endpoints this close are joined */
    double snap_max_m;              /* residents/entrances farther are unsnapped */
    double access_assign_m;         /* access point without site id: nearest site within */

    /* walking */
    double speed_kmh;
    gr_walk_mode_t walk_mode;
    int n_thresholds;
    double threshold_min[GR_MAX_THRESHOLDS];

    int n_categories;
    gr_category_t categories[GR_MAX_CATEGORIES];

    int n_targets;
    gr_target_t targets[GR_MAX_TARGETS];

    /* low-car zones: no_car_share above this; negative means the area-wide
     * (population-weighted) share */
    double lowcar_threshold;

    int n_nbhd_map;
    gr_nbhd_map_t nbhd_map[GR_MAX_NBHDS];

    char target_crs[GR_NAME_MAX];   /* empty: chosen from the data */
    char out_dir[GR_PATH_MAX];
    /* also measure the other way (straight in network mode and back), so
     * the report can set both shares of every coverage target side by side */
    bool compare_straight;

    /* GIS layers (layers.h): GR_FORMAT_* bits, the PostGIS connection
     * string and schema, the catchment band width and how it is drawn */
    unsigned formats;
    char pg_conn[GR_PATH_MAX];
    char pg_schema[GR_NAME_MAX];
    double catchment_buffer_m;
    gr_catchment_method_t catchment_method;
    double catchment_cell_m;
} gr_config_t;

/* Output formats of the GIS layers. */
enum {
    GR_FORMAT_GPKG = 1,      /* "gpkg": one GeoPackage, every layer */
    GR_FORMAT_GEOJSON = 2,   /* "geojson": one RFC 7946 file per layer */
    GR_FORMAT_SHP = 4,       /* "shp": one ESRI Shapefile per layer */
    GR_FORMAT_POSTGIS = 8    /* "postgis": tables through GDAL's PG driver */
};

/* Parses a comma-separated list of format names (gpkg, geojson, shp,
 * postgis; case-insensitive) into GR_FORMAT_* bits. Returns -1 on an
 * unknown or empty name. */
int gr_config_parse_formats(const char *list, unsigned *out);

/* Fills cfg with the shipped defaults (bundled Rutland data, 4.8 km/h,
 * 15 and 20 minutes, park category, 250 m snap cap, 1 m join tolerance,
 * GeoPackage layers with 50 m catchment bands). */
void gr_config_defaults(gr_config_t *cfg);

/* Reads an INI file over the values already in cfg. Unknown sections or
 * keys and unparsable values are errors naming the file and line. */
int gr_config_load(gr_config_t *cfg, const char *path, gr_error_t *err);

/* Threshold i of the [walk] thresholds in metres at the configured speed. */
double gr_config_threshold_m(const gr_config_t *cfg, int i);

/* Largest [walk] threshold in metres. */
double gr_config_max_threshold_m(const gr_config_t *cfg);

/* Resolves every category's thresholds into metres and labels (categories
 * without their own take the [walk] thresholds) and checks that every
 * target names a category and one of its thresholds, and that the postgis
 * format has a connection string. */
int gr_config_resolve(gr_config_t *cfg, gr_error_t *err);

/* Index of the category named name, or -1. */
int gr_config_category(const gr_config_t *cfg, const char *name);

/* Largest threshold of category c in metres: its search cut-off. */
double gr_category_max_m(const gr_category_t *c);

/* True when a site with this (normalised) function, play class (as
 * read; may be "") and area (m², run CRS; 0 for a point) belongs to
 * category c: a site exactly min_area_m2 large counts. */
bool gr_category_has_site(const gr_category_t *c, const char *function,
                          const char *play_class, double area_m2);

/* Writes the normalised form of a site function into out (size n). */
void gr_normalise_function(const char *in, char *out, size_t n);

/* True when `item` (already normalised) is in the comma-separated `list`
 * (normalised entry by entry). */
bool gr_list_contains(const char *list, const char *item);

#endif
