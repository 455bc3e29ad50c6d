/*
 * cmd_report.c: recon report --date DATE [--format text|csv|json]
 *
 * Re-prints a recorded day from the database: text is report.txt, csv is
 * discrepancies.csv, json is summary.json, byte for byte what the run
 * wrote (both come from report.c over the same rows).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "recon/cmd.h"
#include "recon/diag.h"
#include "recon/recorded.h"
#include "recon/report.h"

int cmd_report(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *date = NULL, *format = "text";
	struct recorded rec;
	int ch, rc;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			date = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		default:
			return option_error("report", ch, argv);
		}
	}
	if (!date || optind < argc)
		return usage_of("report");
	if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json")) {
		fprintf(stderr, "recon: error: --format %s: not text, csv or json\n", format);
		return usage_of("report");
	}
	rc = recorded_open(&rec, g, date, "report");
	if (rc == RX_OK) {
		if (!strcmp(format, "text"))
			rc = report_text(rec.rs, rec.day, stdout);
		else if (!strcmp(format, "csv"))
			rc = report_discrepancies_csv(rec.rs, rec.day, -1, stdout);
		else
			rc = report_summary_json(rec.rs, rec.day, stdout);
		rc = rc < 0 ? RX_INTERNAL : RX_OK;
		if (fflush(stdout) != 0 || ferror(stdout)) {
			error_at(RX_INTERNAL, NULL, 0, "standard output: write error");
			rc = RX_INTERNAL;
		}
	}
	recorded_close(&rec);
	return rc;
}
