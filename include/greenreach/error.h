/* error.h - one-line error reports passed up from library code.
 * Owns nothing: a gr_error_t is a fixed buffer the caller provides.
 * Library functions never print or exit; they fill a gr_error_t and return
 * a negative GR_E* code. */
#ifndef GR_ERROR_H
#define GR_ERROR_H

enum {
    GR_OK = 0,
    GR_EIO = -1,      /* cannot open, read or write a file */
    GR_EINPUT = -2,   /* input data is missing something or malformed */
    GR_ENOMEM = -3,
    GR_ECONFIG = -4,  /* bad configuration or command line */
    GR_EGEOM = -5,    /* GEOS failed */
    GR_ECRS = -6      /* missing or unusable coordinate reference system */
};

typedef struct {
    int code;
    char msg[1024];
} gr_error_t;

/* Fills err (if not NULL) with code and a printf-style message; returns code
 * so callers can write `return gr_error_set(err, GR_EIO, ...)`. */
int gr_error_set(gr_error_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
