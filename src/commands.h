/* commands.h - the subcommands of the greenreach program (private to the
 * executable). Each takes argv from its own name on, prints its own
 * messages and returns the process exit status. */
#ifndef GR_COMMANDS_H
#define GR_COMMANDS_H

int gr_cmd_run(int argc, char **argv);
int gr_cmd_check_site(int argc, char **argv);
int gr_cmd_suggest_sites(int argc, char **argv);

#endif
