#include "greenreach/history.h"

#include <gdal.h>
#include <ogr_api.h>
#include <cpl_error.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

struct gr_history {
    int n_cols;
    uint32_t n_rows;
    char **col;       /* [n_cols] */
    char **cell;      /* [n_rows * n_cols] */
    int code_col;
};

static int read_rows(gr_history_t *h, OGRLayerH lyr)
{
    uint32_t cap = 0;
    OGR_L_ResetReading(lyr);
    for (OGRFeatureH f; (f = OGR_L_GetNextFeature(lyr)); OGR_F_Destroy(f)) {
        if (h->n_rows == cap) {
            cap = cap ? 2 * cap : 64;
            char **c = realloc(h->cell, (size_t)cap * h->n_cols * sizeof *c);
            if (!c) {
                OGR_F_Destroy(f);
                return -1;
            }
            h->cell = c;
        }
        for (int k = 0; k < h->n_cols; k++)
            h->cell[(size_t)h->n_rows * h->n_cols + k] = strdup(OGR_F_GetFieldAsString(f, k));
        h->n_rows++;
    }
    return 0;
}

void gr_history_load(const char *dir, gr_history_t **out)
{
    char path[4096];
    *out = NULL;
    snprintf(path, sizeof path, "%s/ward_coverage.csv", dir);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    gr_history_t *h = lyr ? calloc(1, sizeof *h) : NULL;
    if (h) {
        OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
        h->n_cols = OGR_FD_GetFieldCount(defn);
        h->col = calloc((size_t)h->n_cols + 1, sizeof *h->col);
        h->code_col = OGR_FD_GetFieldIndex(defn, "ward_code");
        for (int k = 0; h->col && k < h->n_cols; k++)
            h->col[k] = strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k)));
        if (!h->col || h->code_col < 0 || read_rows(h, lyr)) {
            gr_history_free(h);
            h = NULL;
        }
    }
    if (ds)
        GDALClose(ds);
    *out = h;
}

void gr_history_free(gr_history_t *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < (size_t)h->n_rows * h->n_cols; i++)
        free(h->cell[i]);
    for (int k = 0; h->col && k < h->n_cols; k++)
        free(h->col[k]);
    free(h->cell);
    free(h->col);
    free(h);
}

const char *gr_history_get(const gr_history_t *h, const char *code, const char *col)
{
    int k = 0;
    while (h && k < h->n_cols && strcmp(h->col[k], col) != 0)
        k++;
    if (!h || k == h->n_cols)
        return NULL;
    for (uint32_t r = 0; r < h->n_rows; r++)
        if (strcmp(h->cell[(size_t)r * h->n_cols + h->code_col], code) == 0)
            return h->cell[(size_t)r * h->n_cols + k];
    return NULL;
}
