/* density.h - a coverage mask for maps with far more features than pixels
 * (a national network on a 900-pixel map): each line or dot adds its area
 * to the pixels under it (box filter), clamped at full cover, and the mask
 * is then painted in one colour. Cairo would tessellate every feature: at
 * 5 M edges that was most of a whole run; this costs one pass over the
 * features' length in pixels.
 * Owns: its pixel buffers (gr_density_free). Needs: cairo (for painting). */
#ifndef GR_DENSITY_H
#define GR_DENSITY_H

#include <cairo.h>

typedef struct gr_density gr_density_t;

/* An empty mask of w x h pixels; NULL when out of memory. */
gr_density_t *gr_density_new(int w, int h);
void gr_density_free(gr_density_t *d);

/* Adds a line from (ax, ay) to (bx, by), in pixels, width wide: its area
 * is spread along it in steps of at most half a pixel, each step as a
 * square brush max(width, 1) wide. */
void gr_density_line(gr_density_t *d, double ax, double ay, double bx, double by,
                     double width);

/* Adds a disc of radius r pixels at (x, y): its area, as a square brush
 * max(2r, 1) wide. */
void gr_density_dot(gr_density_t *d, double x, double y, double r);

/* Cover of pixel (px, py), 0..1 (0 outside the mask). */
double gr_density_cover(const gr_density_t *d, int px, int py);

/* Paints the current source of cr through the mask (at device origin)
 * and empties the mask. Returns 0, -1 when out of memory. */
int gr_density_paint(gr_density_t *d, cairo_t *cr);

#endif
