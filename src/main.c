/*
 * main.c: global options and the commands[] table.
 *
 *     recon [-qv] [--config FILE] COMMAND [ARGS...]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon/cmd.h"
#include "recon/diag.h"

#ifndef RECON_VERSION
#define RECON_VERSION "unknown"
#endif

/* Keep each usage identical to the SYNOPSIS of man/recon.1. */
const struct command commands[] = {
	{ "init", cmd_init, "init [DIR]",
	  "create a workspace: recon.conf, database and folders" },
	{ "ledger", cmd_ledger,
	  "ledger import [--format NAME] [--allow-rejects] [--rejects FILE] FILE...",
	  "import the merchant's order ledger" },
	{ "decode", cmd_decode,
	  "decode [--format NAME] [--channel NAME] [--date DATE] [--rejects FILE] FILE",
	  "print the canonical records a statement decodes to" },
	{ "formats", cmd_formats, "formats", "list the statement formats found" },
	{ "fetch", cmd_fetch, "fetch --date DATE [--channel NAME ...]",
	  "fetch and archive the channels' statements for a day" },
	{ "run", cmd_run, "run --date DATE [--channel NAME ...] [--allow-rejects] [--offline]"
	  " [--memory SIZE]",
	  "reconcile the configured channels for a day" },
	{ "report", cmd_report, "report --date DATE [--format text|csv|json]",
	  "print a recorded day's report again" },
	{ "discrepancies", cmd_discrepancies,
	  "discrepancies --date DATE [--class CLASS] [--status open|resolved|all]",
	  "list a recorded day's discrepancies" },
	{ "resolve", cmd_resolve, "resolve ID [--note TEXT] [--reopen] [--date DATE]",
	  "mark a discrepancy resolved (or open again), with a note" },
	{ "replay", cmd_replay, "replay --date DATE [--run ID] [--channel NAME ...]",
	  "run a recorded day again from the archive and compare the outputs" },
	{ "help", cmd_help, "help [COMMAND]", "show the usage of a command" },
	{ NULL, NULL, NULL, NULL }
};

const struct command *command_find(const char *name)
{
	const struct command *c;

	for (c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int command_usage(const struct command *cmd)
{
	fprintf(stderr, "usage: recon %s\n", cmd->usage);
	return RX_USAGE;
}

int usage_of(const char *name)
{
	return command_usage(command_find(name));
}

/* The short form for mistakes: the full list is one --help away. */
static int short_usage(void)
{
	fputs("usage: recon [-qv] [--config FILE] COMMAND [ARGS...]\n"
	      "'recon --help' lists the commands.\n", stderr);
	return RX_USAGE;
}

int option_error(const char *name, int ch, char *const argv[])
{
	fprintf(stderr, "recon: error: %s: %s\n", argv[optind - 1],
		ch == ':' ? "missing argument" : "unknown option");
	return usage_of(name);
}

static void print_help(FILE *f)
{
	const struct command *c;

	fputs("usage: recon [-qv] [--config FILE] COMMAND [ARGS...]\n"
	      "       recon --help | --version\n\ncommands:\n", f);
	for (c = commands; c->name; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
	fputs("\n'recon help COMMAND' shows a command's usage; man recon for the rest.\n", f);
}

int cmd_help(int argc, char **argv, const struct globals *g)
{
	const struct command *c;

	(void)g;
	if (argc < 2) {
		print_help(stdout);
		return RX_OK;
	}
	if (argc > 2)
		return usage_of("help");
	c = command_find(argv[1]);
	if (!c) {
		fprintf(stderr, "recon: error: %s: no such command\n", argv[1]);
		return RX_USAGE;
	}
	printf("usage: recon %s\n", c->usage);
	printf("%s\n", c->summary);
	return RX_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct globals g = { NULL, 0 };
	const struct command *cmd;
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:hqvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			g.config = optarg;
			break;
		case 'h':
			print_help(stdout);
			return RX_OK;
		case 'V':
			printf("recon %s\n", RECON_VERSION);
			return RX_OK;
		case 'q':
			g.verbosity = -1;
			break;
		case 'v':
			g.verbosity = 1;
			break;
		default:
			if (optopt)
				fprintf(stderr, "recon: error: -%c: unknown option or missing argument\n", optopt);
			else
				fprintf(stderr, "recon: error: %s: unknown option\n", argv[optind - 1]);
			return short_usage();
		}
	}
	if (optind >= argc)
		return short_usage();
	diag_set_verbosity(g.verbosity);
	cmd = command_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "recon: error: %s: no such command\n", argv[optind]);
		return short_usage();
	}
	/* Commands parse their own options with getopt from a fresh start;
	 * optind = 0 makes glibc reinitialise, so argv[0] is the command name. */
	argc -= optind;
	argv += optind;
	optind = 0;
	opterr = 1;
	rc = cmd->fn(argc, argv, &g);
	if ((int)diag_status() > rc)
		rc = (int)diag_status();
	return rc;
}
