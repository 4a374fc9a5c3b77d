#include "greenreach/gpkg_points.h"

#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/gpkg_rtree.h"
#include "greenreach/load.h"

/* ---- geometry blobs ---- */

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

static void put_double(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    put_le(p, u, 8);
}

void gr_gpkg_point_blob(double x, double y, int32_t srs_id, unsigned char *out)
{
    /* GDAL writes no envelope for a point: its envelope is the point */
    out[0] = 'G';
    out[1] = 'P';
    out[2] = 0;
    out[3] = 0x01;
    put_le(out + 4, (uint32_t)srs_id, 4);
    out[8] = 0x01;                 /* WKB little-endian */
    put_le(out + 9, 1, 4);         /* wkbPoint */
    put_double(out + 13, x);
    put_double(out + 21, y);
}

/* ---- a sink binding a row's cells to the INSERT's parameters ---- */

#define FIRST_CELL 3   /* parameters 1 and 2 are fid and geometry */

typedef struct {
    gr_sink_t base;
    sqlite3_stmt *st;     /* NULL in the schema pass */
    sqlite3_str *cols;    /* schema pass: ,"name" per column */
    int col, is_bad;
} bind_sink_t;

static void schema_col(bind_sink_t *b, const char *name)
{
    sqlite3_str_appendf(b->cols, ",\"%w\"", name);
    b->col++;
}

static void bind_text(gr_sink_t *s, const char *name, const char *v, int is_quoted)
{
    bind_sink_t *b = (bind_sink_t *)s;
    (void)is_quoted;
    if (!b->st) {
        schema_col(b, name);
        return;
    }
    int k = FIRST_CELL + b->col++;
    /* static: the row's texts outlive its step (gpkg_points.h); a copy
     * would cost a malloc per cell */
    b->is_bad |= (v ? sqlite3_bind_text(b->st, k, v, -1, SQLITE_STATIC)
                    : sqlite3_bind_null(b->st, k)) != SQLITE_OK;
}

static void bind_num(gr_sink_t *s, const char *name, double v, int decimals, int is_null)
{
    bind_sink_t *b = (bind_sink_t *)s;
    long long whole = 0;
    if (!b->st) {
        schema_col(b, name);
        return;
    }
    int k = FIRST_CELL + b->col++, rc = SQLITE_OK;
    switch (gr_sink_num_kind(v, decimals, is_null, &whole)) {
    case GR_CELL_NULL: rc = sqlite3_bind_null(b->st, k); break;
    case GR_CELL_WHOLE: rc = sqlite3_bind_int64(b->st, k, whole); break;
    case GR_CELL_REAL: rc = sqlite3_bind_double(b->st, k, v); break;
    }
    b->is_bad |= rc != SQLITE_OK;
}

/* ---- one layer ---- */

typedef struct {
    sqlite3 *db;
    const gr_gpkg_points_layer_t *L;
    char geom_col[256];
    int32_t srs_id;
    double *x, *y;          /* the points, or the polygons' min corners */
    double *x2, *y2;        /* the polygons' max corners; points: x, y */
    double ext[4];          /* min x, min y, max x, max y */
    char *triggers;         /* GDAL's feature-count triggers, set aside */
} layer_t;

/* Runs one statement of sql (printf-style, %w and %q quoting) binding
 * nothing; steps it to the end. */
static int exec_fmt(sqlite3 *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    int rc = sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    sqlite3_free(sql);
    return rc;
}

/* The geometry column and SRS GDAL registered for the table. */
static int geometry_column(layer_t *l)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(l->db, "SELECT column_name, srs_id FROM gpkg_geometry_columns "
                                       "WHERE table_name = ?", -1, &st, NULL) == SQLITE_OK ? 0 : -1;
    if (!rc)
        sqlite3_bind_text(st, 1, l->L->table, -1, SQLITE_STATIC);
    if (!rc && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        snprintf(l->geom_col, sizeof l->geom_col, "%s", (const char *)sqlite3_column_text(st, 0));
        l->srs_id = sqlite3_column_int(st, 1);
    } else {
        rc = -1;
    }
    sqlite3_finalize(st);
    return rc;
}

/* GDAL keeps gpkg_ogr_contents.feature_count true with a trigger per
 * inserted row; like GDAL while it writes, the triggers are dropped for
 * the bulk insert and the count set once (restore_triggers). */
static int set_aside_triggers(layer_t *l)
{
    sqlite3_stmt *st = NULL;
    sqlite3_str *saved = sqlite3_str_new(l->db), *drops = sqlite3_str_new(l->db);
    int rc = sqlite3_prepare_v2(l->db, "SELECT name, sql FROM sqlite_master WHERE type = "
                                       "'trigger' AND tbl_name = ?1 AND name IN "
                                       "('trigger_insert_feature_count_' || ?1, "
                                       "'trigger_delete_feature_count_' || ?1)",
                                -1, &st, NULL) == SQLITE_OK ? 0 : -1;
    if (!rc)
        sqlite3_bind_text(st, 1, l->L->table, -1, SQLITE_STATIC);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_str_appendf(saved, "%s;", (const char *)sqlite3_column_text(st, 1));
        sqlite3_str_appendf(drops, "DROP TRIGGER \"%w\";", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    l->triggers = sqlite3_str_finish(saved);
    char *drop = sqlite3_str_finish(drops);
    if (!rc && drop && sqlite3_exec(l->db, drop, NULL, NULL, NULL) != SQLITE_OK)
        rc = -1;
    sqlite3_free(drop);
    return rc;
}

static int restore_triggers(layer_t *l)
{
    if (!l->triggers)
        return 0;
    if (sqlite3_exec(l->db, l->triggers, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    /* the table was empty: GDAL left the count NULL (unknown) */
    return exec_fmt(l->db, "UPDATE gpkg_ogr_contents SET feature_count = %u "
                           "WHERE lower(table_name) = lower('%q')", l->L->n, l->L->table);
}

/* INSERT INTO t (fid, geom, cells...) VALUES (?, ?, ...), its columns from
 * the row's schema. */
static int prepare_insert(layer_t *l, sqlite3_stmt **st)
{
    bind_sink_t b = { .base = { bind_text, bind_num, NULL }, .cols = sqlite3_str_new(l->db) };
    if (l->L->shape)
        l->L->shape(l->L->ctx, GR_NONE, &b.base, l->srs_id, NULL);
    else
        l->L->row(l->L->ctx, GR_NONE, &b.base, NULL, NULL);
    sqlite3_str *sql = sqlite3_str_new(l->db);
    sqlite3_str_appendf(sql, "INSERT INTO \"%w\" (\"fid\", \"%w\"%s) VALUES (?, ?", l->L->table,
                        l->geom_col, sqlite3_str_value(b.cols) ? sqlite3_str_value(b.cols) : "");
    for (int i = 0; i < b.col; i++)
        sqlite3_str_appendall(sql, ", ?");
    sqlite3_str_appendall(sql, ")");
    char *cols = sqlite3_str_finish(b.cols), *text = sqlite3_str_finish(sql);
    int rc = text && sqlite3_prepare_v2(l->db, text, -1, st, NULL) == SQLITE_OK ? 0 : -1;
    sqlite3_free(cols);
    sqlite3_free(text);
    return rc;
}

/* The extent grows by the box (x0, y0)-(x1, y1); NaN (empty) leaves it. */
static void extend(double *ext, double x0, double y0, double x1, double y1)
{
    ext[0] = x0 < ext[0] ? x0 : ext[0];
    ext[1] = y0 < ext[1] ? y0 : ext[1];
    ext[2] = x1 > ext[2] ? x1 : ext[2];
    ext[3] = y1 > ext[3] ? y1 : ext[3];
}

/* Row i's cells bound to the INSERT through b, its geometry as param 2. */
static int bind_geometry(layer_t *l, uint32_t i, bind_sink_t *b, gr_gpkg_blob_t *poly,
                         unsigned char *point)
{
    if (!l->L->shape) {
        l->L->row(l->L->ctx, i, &b->base, &l->x[i], &l->y[i]);
        extend(l->ext, l->x[i], l->y[i], l->x[i], l->y[i]);
        gr_gpkg_point_blob(l->x[i], l->y[i], l->srs_id, point);
        return sqlite3_bind_blob(b->st, 2, point, GR_GPKG_POINT_BYTES, SQLITE_STATIC);
    }
    if (l->L->shape(l->L->ctx, i, &b->base, l->srs_id, poly))
        return SQLITE_ERROR;
    l->x[i] = poly->box[0];
    l->y[i] = poly->box[1];
    l->x2[i] = poly->box[2];
    l->y2[i] = poly->box[3];
    extend(l->ext, poly->box[0], poly->box[1], poly->box[2], poly->box[3]);
    /* static: the blob is not touched again before the step */
    return poly->len ? sqlite3_bind_blob64(b->st, 2, poly->bytes, poly->len, SQLITE_STATIC)
                     : sqlite3_bind_null(b->st, 2);
}

static int insert_rows(layer_t *l)
{
    sqlite3_stmt *st = NULL;
    if (prepare_insert(l, &st))
        return -1;
    bind_sink_t b = { .base = { bind_text, bind_num, NULL }, .st = st };
    unsigned char point[GR_GPKG_POINT_BYTES];
    gr_gpkg_blob_t poly = { 0 };
    for (uint32_t i = 0; i < l->L->n && !b.is_bad; i++) {
        b.col = 0;
        b.is_bad |= bind_geometry(l, i, &b, &poly, point) != SQLITE_OK ||
                    sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1) != SQLITE_OK ||
                    sqlite3_step(st) != SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    free(poly.bytes);
    return b.is_bad ? -1 : 0;
}

/* gpkg_contents carries the layer's extent (a layer with no geometry
 * keeps what GDAL wrote) and the time of the change. The extent is exact: GDAL 3.6
 * prints it through SQLite's %g, which keeps 16 digits, so its box can
 * miss the outermost points by a last digit. */
static int update_contents(layer_t *l)
{
    sqlite3_stmt *st = NULL;
    if (!(l->ext[0] <= l->ext[2]))
        return 0;
    int rc = sqlite3_prepare_v2(l->db, "UPDATE gpkg_contents SET min_x = ?, min_y = ?, "
                                       "max_x = ?, max_y = ?, last_change = "
                                       "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE "
                                       "lower(table_name) = lower(?)", -1, &st, NULL);
    for (int k = 0; rc == SQLITE_OK && k < 4; k++)
        rc = sqlite3_bind_double(st, k + 1, l->ext[k]);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, l->L->table, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int write_layer(sqlite3 *db, const gr_gpkg_points_layer_t *L, const char *shown,
                       gr_error_t *err)
{
    layer_t l = { .db = db, .L = L, .ext = { INFINITY, INFINITY, -INFINITY, -INFINITY } };
    gr_error_t inner = { 0 };
    l.x = malloc(((size_t)L->n + 1) * sizeof *l.x);
    l.y = malloc(((size_t)L->n + 1) * sizeof *l.y);
    l.x2 = L->shape ? malloc(((size_t)L->n + 1) * sizeof *l.x2) : l.x;
    l.y2 = L->shape ? malloc(((size_t)L->n + 1) * sizeof *l.y2) : l.y;
    int rc = l.x && l.y && l.x2 && l.y2 ? 0 : GR_ENOMEM;
    if (!rc && (geometry_column(&l) || set_aside_triggers(&l) || insert_rows(&l) ||
                restore_triggers(&l) || update_contents(&l)))
        rc = GR_EIO;
    const gr_gpkg_boxes_t boxes = { l.x, l.y, l.x2, l.y2 };
    if (!rc)
        rc = gr_gpkg_rtree_add_boxes(db, L->table, l.geom_col, &boxes, L->n, &inner);
    if (L->shape) {
        free(l.x2);
        free(l.y2);
    }
    free(l.x);
    free(l.y);
    sqlite3_free(l.triggers);
    if (rc && inner.msg[0])
        return gr_error_set(err, rc, "%s, layer %s: %s", shown, L->table, inner.msg);
    if (rc)
        return gr_error_set(err, rc, "%s, layer %s: cannot write: %s", shown, L->table,
                            rc == GR_ENOMEM ? "out of memory" : sqlite3_errmsg(db));
    return 0;
}

int gr_gpkg_points_write(const char *path, const char *shown,
                         const gr_gpkg_points_layer_t *layers, int n_layers, gr_error_t *err)
{
    sqlite3 *db = NULL;
    int rc = 0;
    /* one thread uses the connection: no mutex around each bind and step;
     * synchronous off: the file is a temporary one, renamed when whole;
     * a cache of 64 MiB: room for the R-tree while it is packed */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -65536; BEGIN", NULL,
                     NULL, NULL) != SQLITE_OK)
        rc = gr_error_set(err, GR_EIO, "%s: cannot write: %s", shown,
                          db ? sqlite3_errmsg(db) : "cannot open");
    for (int k = 0; !rc && k < n_layers; k++)
        rc = write_layer(db, &layers[k], shown, err);
    if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = gr_error_set(err, GR_EIO, "%s: cannot write: %s", shown, sqlite3_errmsg(db));
    sqlite3_close(db);   /* rolls back whatever was not committed */
    return rc;
}
