#include "greenreach/gpkg_rtree.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SQLite's R-tree node: 4 header bytes, then cells of an 8-byte id and
 * four 4-byte floats (minx, maxx, miny, maxy), all big-endian. With 4 KiB
 * pages SQLite makes nodes of 1228 bytes, 51 cells; it reads the size back
 * from the root, so ours must match what it would have chosen. */
#define CELL_BYTES 24
#define MAX_CELLS 51
#define NODE_BYTES (4 + CELL_BYTES * MAX_CELLS)

typedef struct {
    int64_t id;        /* fid in leaves, child node number above */
    float box[4];      /* minx, maxx, miny, maxy */
} entry_t;

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *node, *rowid, *parent;
    int64_t next_node;
    int64_t *leaf_of;  /* [fid - 1]: the leaf holding it, for the _rowid table */
    entry_t *tmp;      /* room to sort the entries */
} writer_t;

/* Single-precision bounds that still contain the double value. */
static float round_down(double d)
{
    float f = (float)d;
    return (double)f > d ? nextafterf(f, -INFINITY) : f;
}

static float round_up(double d)
{
    float f = (float)d;
    return (double)f < d ? nextafterf(f, INFINITY) : f;
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

static void put_float(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    put_be(p, u, 4);
}

/* An unsigned image of a float that sorts as the float compares: negative
 * values flipped whole, the others given the sign bit; -0 joins +0. */
static uint32_t sortable(float f)
{
    uint32_t u;
    f += 0.0f;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

/* Twice the centre of the box along axis 0 (x) or 1 (y), as a sort key. */
static uint32_t centre_key(const entry_t *p, int axis)
{
    return sortable(p->box[2 * axis] + p->box[2 * axis + 1]);
}

/* Stable sort of e[0..n) by centre along axis: a radix sort, four byte
 * passes through tmp (n entries). A comparison sort of millions of
 * entries was most of the index's time; the order is the same as a
 * stable one comparing the centres. */
static void sort_axis(entry_t *e, entry_t *tmp, size_t n, int axis)
{
    entry_t *src = e, *dst = tmp;
    for (int shift = 0; shift < 32; shift += 8) {
        size_t at[257] = { 0 };
        for (size_t i = 0; i < n; i++)
            at[((centre_key(&src[i], axis) >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++)
            at[b + 1] += at[b];
        for (size_t i = 0; i < n; i++)
            dst[at[(centre_key(&src[i], axis) >> shift) & 0xff]++] = src[i];
        entry_t *t = src;
        src = dst;
        dst = t;
    }
    /* an even number of passes: the result is back in e */
}

/* Sort-tile-recursive order: vertical slabs of whole nodes by x, each
 * sorted by y, so consecutive runs of MAX_CELLS are compact tiles. */
static void str_order(entry_t *e, entry_t *tmp, size_t n)
{
    size_t n_nodes = (n + MAX_CELLS - 1) / MAX_CELLS;
    size_t slabs = (size_t)ceil(sqrt((double)n_nodes));
    size_t per_slab = ((n_nodes + slabs - 1) / slabs) * MAX_CELLS;
    sort_axis(e, tmp, n, 0);
    for (size_t s = 0; s < n; s += per_slab)
        sort_axis(e + s, tmp, n - s < per_slab ? n - s : per_slab, 1);
}

static int step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Writes one node of e[0..n) (depth is stored in the root only) and
 * records where each entry lives; out gets the node's number and box. */
static int write_node(writer_t *w, const entry_t *e, size_t n, int level, int is_root,
                      int depth, entry_t *out)
{
    unsigned char blob[NODE_BYTES] = { 0 };
    put_be(blob, is_root ? (uint64_t)depth : 0, 2);
    put_be(blob + 2, n, 2);
    out->id = is_root ? 1 : w->next_node++;
    out->box[0] = out->box[2] = INFINITY;
    out->box[1] = out->box[3] = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        unsigned char *c = blob + 4 + i * CELL_BYTES;
        put_be(c, (uint64_t)e[i].id, 8);
        for (int k = 0; k < 4; k++)
            put_float(c + 8 + 4 * k, e[i].box[k]);
        out->box[0] = fminf(out->box[0], e[i].box[0]);
        out->box[1] = fmaxf(out->box[1], e[i].box[1]);
        out->box[2] = fminf(out->box[2], e[i].box[2]);
        out->box[3] = fmaxf(out->box[3], e[i].box[3]);
        if (level == 0) {
            w->leaf_of[e[i].id - 1] = out->id;
            continue;
        }
        sqlite3_bind_int64(w->parent, 1, e[i].id);
        sqlite3_bind_int64(w->parent, 2, out->id);
        if (step(w->parent))
            return -1;
    }
    sqlite3_bind_int64(w->node, 1, out->id);
    sqlite3_bind_blob(w->node, 2, blob, NODE_BYTES, SQLITE_TRANSIENT);
    return step(w->node);
}

/* The _rowid table in fid order: appended, where the leaves' (tile) order
 * would insert all over its B-tree. Features in no leaf (empty) have none. */
static int write_rowids(writer_t *w, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!w->leaf_of[i])
            continue;
        sqlite3_bind_int64(w->rowid, 1, (int64_t)i + 1);
        sqlite3_bind_int64(w->rowid, 2, w->leaf_of[i]);
        if (step(w->rowid))
            return -1;
    }
    return 0;
}

/* Packs e[0..n) level by level into full nodes until one node, the root
 * (node 1), holds them all. e is reused for each level's nodes. */
static int pack(writer_t *w, entry_t *e, size_t n)
{
    for (int level = 0;; level++) {
        if (n <= MAX_CELLS) {
            entry_t root;
            return write_node(w, e, n, level, 1, level, &root);
        }
        str_order(e, w->tmp, n);
        size_t k = 0;
        for (size_t i = 0; i < n; i += MAX_CELLS, k++) {
            entry_t node;
            if (write_node(w, e + i, n - i < MAX_CELLS ? n - i : MAX_CELLS, level, 0, 0, &node))
                return -1;
            e[k] = node;   /* k <= i: the entries read are already written */
        }
        n = k;
    }
}

/* The triggers and registration the GeoPackage R-tree extension requires
 * (spec 1.2+, "gpkg_rtree_index"), so later edits keep the index true. */
static char *extension_sql(const char *t, const char *g)
{
    /* \001 stands for the table, \002 for the geometry column */
    static const char tmpl[] =
        "CREATE TRIGGER \"rtree_\001_\002_insert\" AFTER INSERT ON \"\001\" WHEN (new.\"\002\" NOT NULL AND NOT ST_IsEmpty(NEW.\"\002\")) BEGIN INSERT OR REPLACE INTO \"rtree_\001_\002\" VALUES (NEW.\"fid\",ST_MinX(NEW.\"\002\"), ST_MaxX(NEW.\"\002\"),ST_MinY(NEW.\"\002\"), ST_MaxY(NEW.\"\002\")); END;"
        "CREATE TRIGGER \"rtree_\001_\002_update1\" AFTER UPDATE OF \"\002\" ON \"\001\" WHEN OLD.\"fid\" = NEW.\"fid\" AND (NEW.\"\002\" NOTNULL AND NOT ST_IsEmpty(NEW.\"\002\")) BEGIN INSERT OR REPLACE INTO \"rtree_\001_\002\" VALUES (NEW.\"fid\",ST_MinX(NEW.\"\002\"), ST_MaxX(NEW.\"\002\"),ST_MinY(NEW.\"\002\"), ST_MaxY(NEW.\"\002\")); END;"
        "CREATE TRIGGER \"rtree_\001_\002_update2\" AFTER UPDATE OF \"\002\" ON \"\001\" WHEN OLD.\"fid\" = NEW.\"fid\" AND (NEW.\"\002\" ISNULL OR ST_IsEmpty(NEW.\"\002\")) BEGIN DELETE FROM \"rtree_\001_\002\" WHERE id = OLD.\"fid\"; END;"
        "CREATE TRIGGER \"rtree_\001_\002_update3\" AFTER UPDATE ON \"\001\" WHEN OLD.\"fid\" != NEW.\"fid\" AND (NEW.\"\002\" NOTNULL AND NOT ST_IsEmpty(NEW.\"\002\")) BEGIN DELETE FROM \"rtree_\001_\002\" WHERE id = OLD.\"fid\"; INSERT OR REPLACE INTO \"rtree_\001_\002\" VALUES (NEW.\"fid\",ST_MinX(NEW.\"\002\"), ST_MaxX(NEW.\"\002\"),ST_MinY(NEW.\"\002\"), ST_MaxY(NEW.\"\002\")); END;"
        "CREATE TRIGGER \"rtree_\001_\002_update4\" AFTER UPDATE ON \"\001\" WHEN OLD.\"fid\" != NEW.\"fid\" AND (NEW.\"\002\" ISNULL OR ST_IsEmpty(NEW.\"\002\")) BEGIN DELETE FROM \"rtree_\001_\002\" WHERE id IN (OLD.\"fid\", NEW.\"fid\"); END;"
        "CREATE TRIGGER \"rtree_\001_\002_delete\" AFTER DELETE ON \"\001\" WHEN old.\"\002\" NOT NULL BEGIN DELETE FROM \"rtree_\001_\002\" WHERE id = OLD.\"fid\"; END;"
        "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));"
        "INSERT INTO gpkg_extensions VALUES ('\001', '\002', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');";
    size_t len = 1, lt = strlen(t), lg = strlen(g);
    for (const char *p = tmpl; *p; p++)
        len += *p == '\001' ? lt : *p == '\002' ? lg : 1;
    char *sql = malloc(len), *o = sql;
    for (const char *p = tmpl; sql && *p; p++) {
        const char *rep = *p == '\001' ? t : *p == '\002' ? g : NULL;
        if (rep) {
            memcpy(o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            *o++ = *p;
        }
    }
    if (sql)
        *o = '\0';
    return sql;
}

static int prepare(writer_t *w, const char *t, const char *g)
{
    char sql[3][512];
    snprintf(sql[0], sizeof sql[0], "INSERT OR REPLACE INTO \"rtree_%s_%s_node\" VALUES (?, ?)", t, g);
    snprintf(sql[1], sizeof sql[1], "INSERT INTO \"rtree_%s_%s_rowid\" VALUES (?, ?)", t, g);
    snprintf(sql[2], sizeof sql[2], "INSERT INTO \"rtree_%s_%s_parent\" VALUES (?, ?)", t, g);
    return (sqlite3_prepare_v2(w->db, sql[0], -1, &w->node, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(w->db, sql[1], -1, &w->rowid, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(w->db, sql[2], -1, &w->parent, NULL) != SQLITE_OK) ? -1 : 0;
}

static int fill(writer_t *w, const char *t, const char *g, const gr_gpkg_boxes_t *b,
                uint32_t n)
{
    char create[512];
    snprintf(create, sizeof create, "CREATE VIRTUAL TABLE \"rtree_%s_%s\" USING "
             "rtree(id, minx, maxx, miny, maxy)", t, g);
    entry_t *e = calloc((size_t)n + 1, sizeof *e);   /* calloc: gcc cannot see n == 0 reads none */
    w->leaf_of = calloc((size_t)n + 1, sizeof *w->leaf_of);   /* 0: in no leaf */
    w->tmp = malloc(((size_t)n + 1) * sizeof *w->tmp);
    char *ext = extension_sql(t, g);
    int rc = (!e || !w->leaf_of || !w->tmp || !ext) ? GR_ENOMEM : 0;
    if (!rc && (sqlite3_exec(w->db, create, NULL, NULL, NULL) != SQLITE_OK ||
                sqlite3_exec(w->db, ext, NULL, NULL, NULL) != SQLITE_OK || prepare(w, t, g)))
        rc = GR_EIO;
    size_t k = 0;
    for (uint32_t i = 0; !rc && i < n; i++)
        if (!isnan(b->min_x[i]))   /* an empty geometry has no entry, as in GDAL */
            e[k++] = (entry_t){ (int64_t)i + 1, { round_down(b->min_x[i]), round_up(b->max_x[i]),
                                                  round_down(b->min_y[i]), round_up(b->max_y[i]) } };
    if (!rc && (pack(w, e, k) || write_rowids(w, n)))
        rc = GR_EIO;
    free(e);
    free(w->leaf_of);
    free(w->tmp);
    free(ext);
    return rc;
}

int gr_gpkg_rtree_add_boxes(struct sqlite3 *db, const char *table, const char *geom_col,
                            const gr_gpkg_boxes_t *boxes, uint32_t n, gr_error_t *err)
{
    writer_t w = { .db = db, .next_node = 2 };
    int rc = fill(&w, table, geom_col, boxes, n);
    sqlite3_finalize(w.node);
    sqlite3_finalize(w.rowid);
    sqlite3_finalize(w.parent);
    if (rc)
        return gr_error_set(err, rc, "cannot write the spatial index of %s: %s", table,
                            rc == GR_ENOMEM ? "out of memory" : sqlite3_errmsg(db));
    return 0;
}

int gr_gpkg_rtree_add(struct sqlite3 *db, const char *table, const char *geom_col,
                      const double *x, const double *y, uint32_t n, gr_error_t *err)
{
    const gr_gpkg_boxes_t points = { x, y, x, y };
    return gr_gpkg_rtree_add_boxes(db, table, geom_col, &points, n, err);
}

int gr_gpkg_rtree_build(const char *path, const char *table, const char *geom_col,
                        const double *x, const double *y, uint32_t n, gr_error_t *err)
{
    sqlite3 *db = NULL;
    gr_error_t inner = { 0 };
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK ? 0 : GR_EIO;
    if (!rc && sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        rc = GR_EIO;
    if (rc) {
        rc = gr_error_set(err, rc, "%s: cannot write the spatial index of %s: %s", path, table,
                          db ? sqlite3_errmsg(db) : "cannot open");
    } else if ((rc = gr_gpkg_rtree_add(db, table, geom_col, x, y, n, &inner)) != 0) {
        rc = gr_error_set(err, rc, "%s: %s", path, inner.msg);
    } else if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = gr_error_set(err, GR_EIO, "%s: cannot write the spatial index of %s: %s", path,
                          table, sqlite3_errmsg(db));
    }
    sqlite3_close(db);
    return rc;
}
