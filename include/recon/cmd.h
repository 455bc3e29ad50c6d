#ifndef RECON_CMD_H
#define RECON_CMD_H
/*
 * Subcommands: one file each (src/cmd_NAME.c), listed in the commands[]
 * table in src/main.c. A command gets argv with argv[0] = its own name,
 * after the global options were taken off, and returns an exit status
 * (enum recon_exit); main() returns the worse of that and diag_status().
 */

struct globals {
	const char *config;   /* --config FILE, or NULL */
	int verbosity;        /* -1 with -q, 1 with -v */
};

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, const struct globals *g);
	const char *usage;    /* synopsis, as in man/recon.1 */
	const char *summary;  /* one line for `recon --help` */
};

/* The table, ended by a NULL name. */
extern const struct command commands[];

/* The entry for name, or NULL. */
const struct command *command_find(const char *name);
/* Print "usage: recon USAGE" for cmd on stderr and return RX_USAGE. */
int command_usage(const struct command *cmd);
/* Same, by name; for use inside a command's option parsing. */
int usage_of(const char *name);
/* After getopt_long with optstring ":..." returned ch ('?' or ':') for
 * command name: say which option was unknown or lacks its argument, print
 * the usage and return RX_USAGE. */
int option_error(const char *name, int ch, char *const argv[]);

int cmd_init(int argc, char **argv, const struct globals *g);
int cmd_ledger(int argc, char **argv, const struct globals *g);
int cmd_decode(int argc, char **argv, const struct globals *g);
int cmd_formats(int argc, char **argv, const struct globals *g);
int cmd_help(int argc, char **argv, const struct globals *g);
int cmd_fetch(int argc, char **argv, const struct globals *g);
int cmd_run(int argc, char **argv, const struct globals *g);
int cmd_report(int argc, char **argv, const struct globals *g);
int cmd_discrepancies(int argc, char **argv, const struct globals *g);
int cmd_replay(int argc, char **argv, const struct globals *g);
int cmd_resolve(int argc, char **argv, const struct globals *g);

#endif
