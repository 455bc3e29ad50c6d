/*
 * cmd_discrepancies.c: recon discrepancies --date DATE [--class CLASS]
 *                        [--status open|resolved|all]
 *
 * Lists a recorded day's discrepancies as discrepancies.csv has them,
 * optionally only one class (LONG, SHORT, MISSING, CURRENCY, FEE; any case)
 * or those of one status (recon resolve): the columns stay the file's, so
 * what reads the file reads this.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "recon/classify.h"
#include "recon/cmd.h"
#include "recon/diag.h"
#include "recon/recorded.h"
#include "recon/report.h"
#include "recon/runstore.h"

int cmd_discrepancies(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "class", required_argument, NULL, 'c' },
		{ "status", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *date = NULL, *cls_arg = NULL, *status = NULL;
	struct recorded rec;
	char upper[16];
	int ch, rc, cls = -1;
	size_t i;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			date = optarg;
			break;
		case 'c':
			cls_arg = optarg;
			break;
		case 's':
			if (!strcmp(optarg, "open"))
				status = RUNSTORE_OPEN;
			else if (!strcmp(optarg, "resolved"))
				status = RUNSTORE_RESOLVED;
			else if (strcmp(optarg, "all")) {
				fprintf(stderr, "recon: error: --status %s: not open, resolved or all\n",
					optarg);
				return usage_of("discrepancies");
			}
			break;
		default:
			return option_error("discrepancies", ch, argv);
		}
	}
	if (!date || optind < argc)
		return usage_of("discrepancies");
	if (cls_arg) {
		for (i = 0; cls_arg[i] && i + 1 < sizeof(upper); i++)
			upper[i] = (char)toupper((unsigned char)cls_arg[i]);
		upper[i] = '\0';
		cls = cls_arg[i] ? -1 : class_parse(upper);
		if (cls < 0) {
			fprintf(stderr, "recon: error: --class %s: not LONG, SHORT, MISSING,"
				" CURRENCY or FEE\n", cls_arg);
			return usage_of("discrepancies");
		}
	}
	rc = recorded_open(&rec, g, date, "discrepancies");
	if (rc == RX_OK) {
		runstore_only_status(rec.rs, status);
		rc = report_discrepancies_csv(rec.rs, rec.day, cls, stdout) < 0 ? RX_INTERNAL : RX_OK;
		if (fflush(stdout) != 0 || ferror(stdout)) {
			error_at(RX_INTERNAL, NULL, 0, "standard output: write error");
			rc = RX_INTERNAL;
		}
	}
	recorded_close(&rec);
	return rc;
}
