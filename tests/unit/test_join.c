/* test_join.c: the three-way merge-join groups keys exactly once, in order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "recon/diag.h"
#include "recon/join.h"

struct arr {
	const struct record *r;
	size_t n, i;
};

static int arr_next(void *ctx, struct record *r)
{
	struct arr *a = ctx;

	if (a->i >= a->n)
		return 0;
	*r = a->r[a->i++];
	return 1;
}

static struct record rec(int kind, const char *key, int64_t time, int64_t line)
{
	struct record r;

	record_init(&r);
	r.kind = (uint8_t)kind;
	snprintf(kind == KIND_REFUND ? r.refund_code : r.order_code, REC_CODE_MAX + 1, "%s", key);
	r.time = time;
	r.line = line;
	return r;
}

static struct pending_item pend(int kind, const char *key)
{
	struct pending_item p;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	snprintf(p.key, sizeof(p.key), "%s", key);
	p.paid_day = 1;
	p.expires_day = 2;
	return p;
}

/* What each group looked like, as text: "PAY:A s2 L P" */
struct seen {
	char text[16][64];
	int n;
	int stop_at;     /* stop (non-zero) at this group, 0: never */
};

static int collect(const struct join_group *g, void *ctx)
{
	struct seen *s = ctx;
	char lines[32] = "";
	size_t i;

	for (i = 0; i < g->nstmt; i++) {
		assert_int_equal(g->stmt[i].kind, g->kind);
		assert_string_equal(record_key(&g->stmt[i]), g->key);
		snprintf(lines + strlen(lines), sizeof(lines) - strlen(lines), "%lld",
			 (long long)g->stmt[i].line);
	}
	if (g->ledger)
		assert_string_equal(record_key(g->ledger), g->key);
	if (g->pending)
		assert_string_equal(g->pending->key, g->key);
	assert_true(s->n < 16);
	snprintf(s->text[s->n++], 64, "%s:%s s%s%s%s", rec_kind_name(g->kind), g->key, lines,
		 g->ledger ? " L" : "", g->pending ? " P" : "");
	return s->stop_at && s->n == s->stop_at;
}

static void test_groups(void **state)
{
	const struct record st[] = {
		rec(KIND_PAY, "A", 1, 4), rec(KIND_PAY, "A", 2, 2), rec(KIND_PAY, "C", 0, 1),
		rec(KIND_PAY, "E", 0, 3), rec(KIND_REFUND, "A", 0, 5),
	};
	const struct record led[] = {
		rec(KIND_PAY, "A", 0, 0), rec(KIND_PAY, "B", 0, 0), rec(KIND_PAY, "E", 0, 0),
		rec(KIND_REFUND, "Z", 0, 0),
	};
	const struct pending_item p[] = {
		pend(KIND_PAY, "0"), pend(KIND_PAY, "C"), pend(KIND_PAY, "D"), pend(KIND_PAY, "E"),
		pend(KIND_REFUND, "A"),
	};
	struct arr sa = { st, 5, 0 }, la = { led, 4, 0 };
	struct join_stream ss = { arr_next, &sa }, ls = { arr_next, &la };
	struct seen seen;
	static const char *const want[] = {
		"PAY:0 s P", "PAY:A s42 L", "PAY:B s L", "PAY:C s1 P", "PAY:D s P",
		"PAY:E s3 L P", "REFUND:A s5 P", "REFUND:Z s L",
	};
	int i;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(join_run(&ss, &ls, p, 5, collect, &seen), 0);
	assert_int_equal(seen.n, 8);
	for (i = 0; i < 8; i++)
		assert_string_equal(seen.text[i], want[i]);
}

static void test_empty_sides(void **state)
{
	const struct record st[] = { rec(KIND_PAY, "A", 1, 1), rec(KIND_REFUND, "A", 1, 2) };
	struct arr sa = { st, 2, 0 };
	struct join_stream ss = { arr_next, &sa };
	struct seen seen;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(join_run(NULL, NULL, NULL, 0, collect, &seen), 0);
	assert_int_equal(seen.n, 0);
	assert_int_equal(join_run(&ss, NULL, NULL, 0, collect, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "PAY:A s1");
	assert_string_equal(seen.text[1], "REFUND:A s2");
}

static void test_callback_stops(void **state)
{
	const struct record led[] = { rec(KIND_PAY, "A", 0, 0), rec(KIND_PAY, "B", 0, 0) };
	struct arr la = { led, 2, 0 };
	struct join_stream ls = { arr_next, &la };
	struct seen seen;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 1;
	assert_int_equal(join_run(NULL, &ls, NULL, 0, collect, &seen), -1);
	assert_int_equal(seen.n, 1);
}

/* Unsorted input must stop the join, never pair the wrong rows. */
static void test_out_of_order(void **state)
{
	const struct record bad_led[] = { rec(KIND_PAY, "B", 0, 0), rec(KIND_PAY, "A", 0, 0) };
	const struct record twice[] = { rec(KIND_PAY, "A", 0, 0), rec(KIND_PAY, "A", 0, 0) };
	const struct record bad_st[] = { rec(KIND_REFUND, "A", 0, 1), rec(KIND_PAY, "B", 0, 2) };
	const struct record fee[] = { rec(KIND_FEE, "A", 0, 1) };
	const struct pending_item p[] = { pend(KIND_PAY, "B"), pend(KIND_PAY, "A") };
	struct arr a;
	struct join_stream s = { arr_next, &a };
	struct seen seen;

	(void)state;
	diag_set_verbosity(-1);
	memset(&seen, 0, sizeof(seen));
	a = (struct arr){ bad_led, 2, 0 };
	assert_int_equal(join_run(NULL, &s, NULL, 0, collect, &seen), -1);
	a = (struct arr){ twice, 2, 0 };
	assert_int_equal(join_run(NULL, &s, NULL, 0, collect, &seen), -1);
	a = (struct arr){ bad_st, 2, 0 };
	assert_int_equal(join_run(&s, NULL, NULL, 0, collect, &seen), -1);
	a = (struct arr){ fee, 1, 0 };
	assert_int_equal(join_run(&s, NULL, NULL, 0, collect, &seen), -1);
	assert_int_equal(join_run(NULL, NULL, p, 2, collect, &seen), -1);
	assert_int_equal(diag_status(), RX_INTERNAL);
	diag_reset();
}

static int fail_next(void *ctx, struct record *r)
{
	(void)ctx;
	(void)r;
	return -1;
}

static void test_stream_error(void **state)
{
	struct join_stream s = { fail_next, NULL };
	struct seen seen;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(join_run(&s, NULL, NULL, 0, collect, &seen), -1);
	assert_int_equal(join_run(NULL, &s, NULL, 0, collect, &seen), -1);
	assert_int_equal(seen.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_empty_sides),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_stream_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
