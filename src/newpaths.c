#include "greenreach/newpaths.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/entrance.h"
#include "greenreach/segindex.h"

/* ---- new path links: an overlay over the graph, then a repair ---- */

/* Overlay nodes are numbered from the graph's node count; a split node
 * sits on a graph edge (split_edge, split_pos) and cuts it in two. */
typedef struct {
    const gr_graph_t *g;
    uint32_t n_nodes, cap_nodes;
    double *x, *y;
    uint32_t *split_edge;
    float *split_pos;
    uint32_t n_seg, cap_seg;
    uint32_t *seg_a, *seg_b;
    float *seg_len;
    uint32_t n_arcs, cap_arcs;
    gr_arc_t *arcs;
    gr_overlay_t view;
} overlay_t;

static void overlay_free(overlay_t *o)
{
    free(o->x);
    free(o->y);
    free(o->split_edge);
    free(o->split_pos);
    free(o->seg_a);
    free(o->seg_b);
    free(o->seg_len);
    free(o->arcs);
}

static int grow_to(void **p, size_t elem, uint32_t need, uint32_t *cap)
{
    if (need <= *cap)
        return 0;
    uint32_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static double node_x(const overlay_t *o, uint32_t n)
{
    return n < o->g->n_nodes ? o->g->x[n] : o->x[n - o->g->n_nodes];
}

static double node_y(const overlay_t *o, uint32_t n)
{
    return n < o->g->n_nodes ? o->g->y[n] : o->y[n - o->g->n_nodes];
}

static int overlay_node(overlay_t *o, double x, double y, uint32_t edge, float pos, uint32_t *id)
{
    uint32_t k = o->n_nodes, c = o->cap_nodes;
    if (grow_to((void **)&o->x, sizeof *o->x, k + 1, &c) ||
        (c = o->cap_nodes, grow_to((void **)&o->y, sizeof *o->y, k + 1, &c)) ||
        (c = o->cap_nodes, grow_to((void **)&o->split_edge, sizeof *o->split_edge, k + 1, &c)) ||
        (c = o->cap_nodes, grow_to((void **)&o->split_pos, sizeof *o->split_pos, k + 1, &c)))
        return -1;
    o->cap_nodes = c;
    o->x[k] = x;
    o->y[k] = y;
    o->split_edge[k] = edge;
    o->split_pos[k] = pos;
    o->n_nodes++;
    *id = o->g->n_nodes + k;
    return 0;
}

static int overlay_arc(overlay_t *o, uint32_t a, uint32_t b, float len)
{
    if (grow_to((void **)&o->arcs, sizeof *o->arcs, o->n_arcs + 2, &o->cap_arcs))
        return -1;
    o->arcs[o->n_arcs++] = (gr_arc_t){ a, b, len };
    o->arcs[o->n_arcs++] = (gr_arc_t){ b, a, len };
    return 0;
}

/* Nearest graph node within tol (tol 0: an identical vertex). */
typedef struct {
    const gr_graph_t *g;
    double x, y, best_d2;
    uint32_t best;
} near_node_t;

static void near_node_cb(uint32_t e, void *ctx)
{
    near_node_t *q = ctx;
    uint32_t ends[2] = { q->g->edge_u[e], q->g->edge_v[e] };
    for (int k = 0; k < 2; k++) {
        double dx = q->g->x[ends[k]] - q->x, dy = q->g->y[ends[k]] - q->y, d2 = dx * dx + dy * dy;
        if (d2 < q->best_d2 || (d2 == q->best_d2 && ends[k] < q->best)) {
            q->best_d2 = d2;
            q->best = ends[k];
        }
    }
}

/* The node a new line's vertex becomes: an earlier new vertex or a graph
 * node at the same place (line ends: within tol), a split of the nearest
 * edge within tol (line ends only), or a new overlay node. */
static int vertex_node(const gr_run_t *run, overlay_t *o, double x, double y, bool is_end,
                       uint32_t *id, gr_paths_result_t *r)
{
    double tol = is_end ? run->cfg.join_tol_m : 0.0;
    for (uint32_t k = 0; k < o->n_nodes; k++) {
        if (hypot(o->x[k] - x, o->y[k] - y) <= tol) {
            *id = run->g->n_nodes + k;
            return 0;
        }
    }
    near_node_t q = { run->g, x, y, tol * tol, GR_NONE };
    gr_segindex_query(run->idx, x - tol, y - tol, x + tol, y + tol, near_node_cb, &q);
    if (q.best != GR_NONE) {
        *id = q.best;
        r->n_joined++;
        return 0;
    }
    gr_snap_t s;
    if (is_end && tol > 0.0 && gr_segindex_nearest(run->idx, x, y, tol, &s)) {
        r->n_split++;
        return overlay_node(o, x, y, s.edge, s.pos_m, id);
    }
    return overlay_node(o, x, y, GR_NONE, 0.0f, id);
}

static int overlay_segment(overlay_t *o, uint32_t a, uint32_t b)
{
    uint32_t k = o->n_seg, c = o->cap_seg;
    if (grow_to((void **)&o->seg_a, sizeof *o->seg_a, k + 1, &c) ||
        (c = o->cap_seg, grow_to((void **)&o->seg_b, sizeof *o->seg_b, k + 1, &c)) ||
        (c = o->cap_seg, grow_to((void **)&o->seg_len, sizeof *o->seg_len, k + 1, &c)))
        return -1;
    o->cap_seg = c;
    o->seg_a[k] = a;
    o->seg_b[k] = b;
    o->seg_len[k] = (float)hypot(node_x(o, b) - node_x(o, a), node_y(o, b) - node_y(o, a));
    o->n_seg++;
    return overlay_arc(o, a, b, o->seg_len[k]);
}

static int add_lines(const gr_run_t *run, const gr_lines_t *L, overlay_t *o,
                     gr_paths_result_t *r)
{
    for (uint32_t l = 0; l < L->n_lines; l++) {
        uint32_t prev = GR_NONE, joined_before = r->n_joined + r->n_split;
        for (uint32_t v = L->start[l]; v < L->start[l + 1]; v++) {
            uint32_t id;
            bool is_end = v == L->start[l] || v + 1 == L->start[l + 1];
            if (vertex_node(run, o, L->x[v], L->y[v], is_end, &id, r))
                return -1;
            if (prev != GR_NONE && prev != id && overlay_segment(o, prev, id))
                return -1;
            prev = id;
        }
        r->n_isolated += r->n_joined + r->n_split == joined_before;
    }
    return 0;
}

/* A split node cuts its edge: the overlay walks the edge from u through
 * the edge's split nodes in order to v. Each node links to its next one
 * (or v), and the first to u. Equal positions order by node. */
static bool split_before(const overlay_t *o, uint32_t j, uint32_t k)
{
    return o->split_pos[j] < o->split_pos[k] || (o->split_pos[j] == o->split_pos[k] && j < k);
}

static int split_arcs(overlay_t *o)
{
    const gr_graph_t *g = o->g;
    for (uint32_t k = 0; k < o->n_nodes; k++) {
        uint32_t e = o->split_edge[k], next = GR_NONE;
        bool is_first = true;
        if (e == GR_NONE)
            continue;
        for (uint32_t j = 0; j < o->n_nodes; j++) {
            if (j == k || o->split_edge[j] != e)
                continue;
            if (split_before(o, j, k))
                is_first = false;
            else if (next == GR_NONE || split_before(o, j, next))
                next = j;
        }
        float p = o->split_pos[k];
        float to_next = next == GR_NONE ? g->edge_len_m[e] - p : o->split_pos[next] - p;
        uint32_t next_node = next == GR_NONE ? g->edge_v[e] : g->n_nodes + next;
        if ((is_first && overlay_arc(o, g->edge_u[e], g->n_nodes + k, p)) ||
            overlay_arc(o, g->n_nodes + k, next_node, to_next))
            return -1;
    }
    return 0;
}

static int cmp_arc(const void *a, const void *b)
{
    const gr_arc_t *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return (x->to > y->to) - (x->to < y->to);
}

/* Where new links enter existing sites (those without surveyed
 * entrances): crossings and inside vertices on the new segments, found
 * by the entrance rules on a small graph of just those segments. The
 * sources' edge is the segment index. */
typedef struct {
    gr_source_t *a;
    uint32_t n, cap;
} srcs_t;

static int segment_graph(const overlay_t *o, gr_graph_t *t)
{
    memset(t, 0, sizeof *t);
    t->n_nodes = 2 * o->n_seg;
    t->n_edges = o->n_seg;
    t->x = malloc((size_t)t->n_nodes * sizeof *t->x + 1);
    t->y = malloc((size_t)t->n_nodes * sizeof *t->y + 1);
    t->edge_u = malloc((size_t)t->n_edges * sizeof *t->edge_u + 1);
    t->edge_v = malloc((size_t)t->n_edges * sizeof *t->edge_v + 1);
    if (!t->x || !t->y || !t->edge_u || !t->edge_v)
        return -1;
    for (uint32_t k = 0; k < o->n_seg; k++) {
        t->x[2 * k] = node_x(o, o->seg_a[k]);
        t->y[2 * k] = node_y(o, o->seg_a[k]);
        t->x[2 * k + 1] = node_x(o, o->seg_b[k]);
        t->y[2 * k + 1] = node_y(o, o->seg_b[k]);
        t->edge_u[k] = 2 * k;
        t->edge_v[k] = 2 * k + 1;
    }
    t->edge_len_m = o->seg_len;
    return 0;
}

static int site_entrances_on_links(const gr_run_t *run, const gr_graph_t *t,
                                   const gr_segindex_t *tidx, uint32_t s, srcs_t *out,
                                   gr_error_t *err)
{
    gr_site_geom_t sg = { run->ds->sites.geom[s], NULL, NULL, 0, s };
    gr_source_t *src = NULL;
    uint32_t n = 0;
    gr_entry_kind_t kind;
    int rc = gr_entrances_for_geom(t, tidx, run->gh, &sg, 0.0, &src, &n, &kind, err);
    if (!rc && n && grow_to((void **)&out->a, sizeof *out->a, out->n + n, &out->cap))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory adding paths");
    if (!rc && n) {
        memcpy(out->a + out->n, src, (size_t)n * sizeof *src);
        out->n += n;
    }
    free(src);
    return rc;
}

static int link_entrances(const gr_run_t *run, const gr_graph_t *t, const gr_segindex_t *tidx,
                          srcs_t *out, gr_error_t *err)
{
    int rc = 0;
    for (uint32_t s = 0; !rc && s < run->ds->sites.n; s++)
        if (run->ent->site_kind[s] != GR_ENTRY_ACCESS_POINT)
            rc = site_entrances_on_links(run, t, tidx, s, out, err);
    return rc;
}

static void segment_graph_free(gr_graph_t *t)
{
    free(t->x);
    free(t->y);
    free(t->edge_u);
    free(t->edge_v);
}

/* Residents for whom a new link is nearer than the path they were
 * snapped to (or who were beyond the snap cap): a rerun would snap them
 * to it. seg GR_NONE: none. */
typedef struct {
    uint32_t seg;
    float pos_m, offset_m;
} resnap_t;

static uint32_t resnap_all(const gr_run_t *run, const gr_segindex_t *tidx, resnap_t *rs)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < run->ds->residents.n; i++) {
        const gr_snap_t *cur = &run->res_snap[i];
        gr_snap_t s;
        rs[i].seg = GR_NONE;
        bool is_snapped = cur->edge != GR_NONE;
        if (!gr_segindex_nearest(tidx, run->ds->residents.x[i], run->ds->residents.y[i],
                                 is_snapped ? cur->offset_m : run->cfg.snap_max_m, &s) ||
            (is_snapped && !(s.offset_m < cur->offset_m)))
            continue;
        rs[i] = (resnap_t){ s.edge, s.pos_m, s.offset_m };
        n++;
    }
    return n;
}

/* Everything one repair needs. */
typedef struct {
    gr_whatif_t *w;
    const overlay_t *o;
    gr_search_ws_t *ws;
    const srcs_t *link_src;         /* entrances on new links */
    const resnap_t *resnap;         /* per resident */
    uint32_t *split_edges;          /* graph edges that new links split */
    uint32_t n_split_edges;
    int cat;
    gr_seed_t *seeds;
    uint32_t n_seeds, cap_seeds;
    gr_effect_t *eff;
} repair_t;

static int add_seed(repair_t *rp, uint32_t node, float d)
{
    if (!(d < INFINITY))
        return 0;
    if (grow_to((void **)&rp->seeds, sizeof *rp->seeds, rp->n_seeds + 1, &rp->cap_seeds))
        return -1;
    rp->seeds[rp->n_seeds++] = (gr_seed_t){ node, d };
    return 0;
}

static bool site_in_category(const gr_run_t *run, int cat, uint32_t site)
{
    return gr_category_has_site(run->cats[cat].cat, run->ds->sites.function[site],
                                run->ds->sites.play_class[site], run->ds->sites.area_m2[site]);
}

/* Seeds: the graph's distances where new links join it (at nodes, or
 * part-way along split edges), and the new entrances on the links. */
static int repair_seeds(repair_t *rp)
{
    const gr_run_t *run = gr_whatif_run(rp->w);
    const gr_field_t *base = run->cats[rp->cat].field;
    const overlay_t *o = rp->o;
    rp->n_seeds = 0;
    for (uint32_t k = 0; k < o->n_seg; k++) {
        if ((o->seg_a[k] < o->g->n_nodes && add_seed(rp, o->seg_a[k], base->dist_m[o->seg_a[k]])) ||
            (o->seg_b[k] < o->g->n_nodes && add_seed(rp, o->seg_b[k], base->dist_m[o->seg_b[k]])))
            return -1;
    }
    for (uint32_t k = 0; k < o->n_nodes; k++)
        if (o->split_edge[k] != GR_NONE &&
            add_seed(rp, o->g->n_nodes + k,
                     gr_field_point_dist(base, o->split_edge[k], o->split_pos[k], NULL)))
            return -1;
    for (uint32_t k = 0; k < rp->link_src->n; k++) {
        const gr_source_t *s = &rp->link_src->a[k];
        float len = o->seg_len[s->edge];
        if (site_in_category(run, rp->cat, s->site) &&
            (add_seed(rp, o->seg_a[s->edge], s->init_m + s->pos_m) ||
             add_seed(rp, o->seg_b[s->edge], s->init_m + (len - s->pos_m))))
            return -1;
    }
    return 0;
}

/* A node's distance after the repair. */
static float repaired_label(const repair_t *rp, const gr_field_t *f, uint32_t n)
{
    const float *base = gr_whatif_run(rp->w)->cats[rp->cat].field->dist_m;
    return n < rp->o->g->n_nodes ? fminf(f->dist_m[n], base[n]) : f->dist_m[n];
}

/* Resident i's distance from the new link it is now nearest to. */
static float via_link(const repair_t *rp, const gr_field_t *f, uint32_t i)
{
    const resnap_t *s = &rp->resnap[i];
    const overlay_t *o = rp->o;
    float len = o->seg_len[s->seg];
    float d = fminf(repaired_label(rp, f, o->seg_a[s->seg]) + s->pos_m,
                    repaired_label(rp, f, o->seg_b[s->seg]) + (len - s->pos_m));
    for (uint32_t k = 0; k < rp->link_src->n; k++) {
        const gr_source_t *src = &rp->link_src->a[k];
        if (src->edge == s->seg && site_in_category(gr_whatif_run(rp->w), rp->cat, src->site))
            d = fminf(d, src->init_m + fabsf(s->pos_m - src->pos_m));
    }
    return d + s->offset_m;
}

/* Resident i's distance along its own edge, now also through split
 * nodes on that edge. */
static float via_edge(const repair_t *rp, const gr_field_t *f, uint32_t i)
{
    const gr_snap_t *s = &gr_whatif_run(rp->w)->res_snap[i];
    const overlay_t *o = rp->o;
    float d = gr_field_point_dist(f, s->edge, s->pos_m, NULL);
    for (uint32_t k = 0; k < o->n_nodes; k++)
        if (o->split_edge[k] == s->edge)
            d = fminf(d, f->dist_m[o->g->n_nodes + k] + fabsf(s->pos_m - o->split_pos[k]));
    return d + s->offset_m;
}

/* A resident nearer a new link walks from it, as a rerun would snap it
 * there: its distance may rise (its old path no longer counts). Anyone
 * else keeps its path, which new links can only shorten. */
static int repair_resident(repair_t *rp, uint32_t i)
{
    const gr_field_t *f = gr_search_ws_field(rp->ws);
    float before = gr_whatif_run(rp->w)->cats[rp->cat].res_dist_m[i];
    float d = rp->resnap[i].seg != GR_NONE ? via_link(rp, f, i)
                                           : fminf(via_edge(rp, f, i), before);
    if (!(d <= f->cutoff_m))
        d = INFINITY;
    return d != before ? gr_effect_add(rp->eff, i, d) : 0;
}

static int repair_unmoved(void *ctx, uint32_t i)
{
    repair_t *rp = ctx;
    return rp->resnap[i].seg != GR_NONE ? 0 : repair_resident(rp, i);
}

/* Residents on edges the repair reached or new links split, and those
 * now nearest a new link. */
static int repair_collect(repair_t *rp)
{
    int rc = gr_whatif_scan(rp->w, rp->ws, rp->split_edges, rp->n_split_edges, repair_unmoved,
                            rp);
    uint32_t n_res = gr_whatif_run(rp->w)->ds->residents.n;
    for (uint32_t i = 0; !rc && i < n_res; i++)
        if (rp->resnap[i].seg != GR_NONE)
            rc = repair_resident(rp, i);
    return rc;
}

static int repair_category(repair_t *rp, gr_effect_t *eff, gr_error_t *err)
{
    const gr_field_t *base = gr_whatif_run(rp->w)->cats[rp->cat].field;
    rp->eff = eff;
    if (gr_effect_reset(rp->w, rp->cat, eff) || repair_seeds(rp))
        return gr_error_set(err, GR_ENOMEM, "out of memory adding paths");
    gr_bounded_query_t q = { .seeds = rp->seeds, .n_seeds = rp->n_seeds,
                             .bound_m = base->dist_m, .cutoff_m = base->cutoff_m,
                             .site = GR_NONE };
    int rc = gr_search_bounded(rp->ws, &q, err);
    if (!rc && repair_collect(rp))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory adding paths");
    if (!rc)
        gr_effect_tally(rp->w, eff);
    return rc;
}

static int build_overlay(const gr_run_t *run, const gr_lines_t *lines, overlay_t *o,
                         gr_paths_result_t *r)
{
    o->g = run->g;
    if (add_lines(run, lines, o, r) || split_arcs(o))
        return -1;
    if (o->n_arcs)
        qsort(o->arcs, o->n_arcs, sizeof *o->arcs, cmp_arc);
    o->view = (gr_overlay_t){ o->n_nodes, o->n_arcs, o->arcs };
    r->n_segments = o->n_seg;
    return 0;
}

static int list_split_edges(repair_t *rp)
{
    const overlay_t *o = rp->o;
    rp->split_edges = malloc((size_t)o->n_nodes * sizeof *rp->split_edges + 1);
    if (!rp->split_edges)
        return -1;
    for (uint32_t k = 0; k < o->n_nodes; k++)
        if (o->split_edge[k] != GR_NONE)
            rp->split_edges[rp->n_split_edges++] = o->split_edge[k];
    return 0;
}

/* The overlay, its segments as a small graph with an index (for entrances
 * on the new links and residents nearer them), then one repair per
 * category. */
int gr_whatif_add_paths(gr_whatif_t *w, const gr_lines_t *lines, gr_paths_result_t *r,
                        gr_error_t *err)
{
    const gr_run_t *run = gr_whatif_run(w);
    overlay_t o = {0};
    srcs_t link_src = {0};
    gr_graph_t t = {0};
    gr_segindex_t *tidx = NULL;
    repair_t rp = { .w = w, .o = &o, .link_src = &link_src };
    resnap_t *rs = malloc((size_t)run->ds->residents.n * sizeof *rs + 1);
    int rc = (!rs || build_overlay(run, lines, &o, r) || segment_graph(&o, &t) ||
              list_split_edges(&rp))
                 ? gr_error_set(err, GR_ENOMEM, "out of memory adding paths") : 0;
    if (!rc && o.n_seg == 0)
        rc = gr_error_set(err, GR_EINPUT, "the new paths add no segment");
    if (!rc)
        rc = gr_segindex_build(&t, 0.0, &tidx, err);
    if (!rc)
        rc = link_entrances(run, &t, tidx, &link_src, err);
    if (!rc) {
        r->n_new_entrances = link_src.n;
        r->n_resnapped = resnap_all(run, tidx, rs);
        rp.resnap = rs;
        rc = gr_search_ws_new(run->g, &o.view, &rp.ws, err);
    }
    for (int c = 0; !rc && c < run->n_cats; c++) {
        rp.cat = c;
        rc = repair_category(&rp, &r->eff[r->n_eff++], err);
    }
    gr_search_ws_free(rp.ws);
    gr_segindex_free(tidx);
    segment_graph_free(&t);
    free(rp.seeds);
    free(rp.split_edges);
    free(rs);
    free(link_src.a);
    overlay_free(&o);
    return rc;
}

void gr_paths_result_free(gr_paths_result_t *r)
{
    for (int k = 0; r && k < GR_MAX_CATEGORIES; k++)
        gr_effect_free(&r->eff[k]);
}
