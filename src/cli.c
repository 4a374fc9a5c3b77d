/* greenreach: dispatches to a subcommand. The executable is the only place
 * that prints or exits. */
#include <gdal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command_t;

static const command_t commands[] = {
    { "run", gr_cmd_run, "walking catchments and ward coverage on the configured data" },
    { "check-site", gr_cmd_check_site, "what-if: who gains from candidate sites or new paths" },
    { "suggest-sites", gr_cmd_suggest_sites, "what-if: the best new sites to close a gap" },
};

static void usage(FILE *f)
{
    fputs("usage: greenreach COMMAND [options]   (greenreach COMMAND --help)\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("greenreach %s\n", GR_VERSION);
        return 0;
    }
    for (size_t i = 0; argc >= 2 && i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            GDALAllRegister();
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    usage(stderr);
    return 2;
}
