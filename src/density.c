#include "greenreach/density.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gr_density {
    int w, h;
    float *acc;    /* area added per pixel; cover is min(acc, 1) */
};

gr_density_t *gr_density_new(int w, int h)
{
    if (w <= 0 || h <= 0)
        return NULL;
    gr_density_t *d = malloc(sizeof *d);
    if (!d)
        return NULL;
    d->w = w;
    d->h = h;
    d->acc = calloc((size_t)w * (size_t)h, sizeof *d->acc);
    if (!d->acc) {
        free(d);
        return NULL;
    }
    return d;
}

void gr_density_free(gr_density_t *d)
{
    if (!d)
        return;
    free(d->acc);
    free(d);
}

/* Overlap of [a, b) with the unit interval starting at i. */
static double overlap(double a, double b, int i)
{
    double lo = fmax(a, (double)i), hi = fmin(b, (double)i + 1.0);
    return hi > lo ? hi - lo : 0.0;
}

/* Spreads `area` over a square brush of side s centred at (cx, cy), each
 * pixel taking its share of the square's area (a box filter). */
static void brush(gr_density_t *d, double cx, double cy, double s, double area)
{
    double x0 = cx - s / 2, x1 = cx + s / 2, y0 = cy - s / 2, y1 = cy + s / 2;
    if (!(x1 > 0 && y1 > 0 && x0 < d->w && y0 < d->h))
        return;   /* also drops NaN */
    int i0 = x0 > 0 ? (int)x0 : 0, j0 = y0 > 0 ? (int)y0 : 0;
    int i1 = x1 < d->w ? (int)ceil(x1) : d->w, j1 = y1 < d->h ? (int)ceil(y1) : d->h;
    double per = area / (s * s);
    for (int j = j0; j < j1; j++) {
        double oy = overlap(y0, y1, j) * per;
        if (oy <= 0)
            continue;
        float *row = d->acc + (size_t)j * (size_t)d->w;
        for (int i = i0; i < i1; i++)
            row[i] += (float)(overlap(x0, x1, i) * oy);
    }
}

void gr_density_line(gr_density_t *d, double ax, double ay, double bx, double by,
                     double width)
{
    double len = hypot(bx - ax, by - ay);
    if (!(len > 0) || !(width > 0))
        return;
    double steps = ceil(len / 0.5);
    if (steps > 1e7)   /* a line across a million maps: not a real feature */
        return;
    int n = (int)steps;
    double s = fmax(width, 1.0), area = width * len / n;
    for (int k = 0; k < n; k++) {
        double t = (k + 0.5) / n;
        brush(d, ax + (bx - ax) * t, ay + (by - ay) * t, s, area);
    }
}

void gr_density_dot(gr_density_t *d, double x, double y, double r)
{
    if (r > 0)
        brush(d, x, y, fmax(2 * r, 1.0), 3.14159265358979323846 * r * r);
}

double gr_density_cover(const gr_density_t *d, int px, int py)
{
    if (px < 0 || py < 0 || px >= d->w || py >= d->h)
        return 0.0;
    float a = d->acc[(size_t)py * (size_t)d->w + (size_t)px];
    return a < 1.0f ? (double)a : 1.0;
}

int gr_density_paint(gr_density_t *d, cairo_t *cr)
{
    cairo_surface_t *m = cairo_image_surface_create(CAIRO_FORMAT_A8, d->w, d->h);
    if (cairo_surface_status(m) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(m);
        return -1;
    }
    cairo_surface_flush(m);
    unsigned char *px = cairo_image_surface_get_data(m);
    int stride = cairo_image_surface_get_stride(m);
    for (int j = 0; j < d->h; j++) {
        const float *row = d->acc + (size_t)j * (size_t)d->w;
        unsigned char *out = px + (size_t)j * (size_t)stride;
        for (int i = 0; i < d->w; i++)
            out[i] = row[i] >= 1.0f ? 255 : (unsigned char)(row[i] * 255.0f + 0.5f);
    }
    cairo_surface_mark_dirty(m);
    cairo_mask_surface(cr, m, 0, 0);
    cairo_surface_destroy(m);
    memset(d->acc, 0, (size_t)d->w * (size_t)d->h * sizeof *d->acc);
    return 0;
}
