/* test_sort.c: the join order and the sorter that produces it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "recon/diag.h"
#include "recon/sort.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct record rec(int kind, const char *key, int64_t time, int64_t line)
{
	struct record r;

	record_init(&r);
	r.kind = (uint8_t)kind;
	if (kind == KIND_REFUND) {
		snprintf(r.refund_code, sizeof(r.refund_code), "%s", key);
		snprintf(r.order_code, sizeof(r.order_code), "O-%s", key);
	} else {
		snprintf(r.order_code, sizeof(r.order_code), "%s", key);
	}
	r.time = time;
	r.line = line;
	r.amount = line * 100;
	strcpy(r.currency, "CNY");
	return r;
}

static void test_cmp_order(void **state)
{
	struct record a, b;

	(void)state;
	/* payments before refunds, whatever the key */
	a = rec(KIND_PAY, "Z", 0, 1);
	b = rec(KIND_REFUND, "A", 0, 1);
	assert_true(record_join_cmp(&a, &b) < 0);
	assert_true(record_key_cmp(&b, &a) > 0);
	/* refunds by refund code, not by their order code */
	a = rec(KIND_REFUND, "R2", 0, 1);
	b = rec(KIND_REFUND, "R10", 0, 1);
	snprintf(a.order_code, sizeof(a.order_code), "A");
	snprintf(b.order_code, sizeof(b.order_code), "Z");
	assert_true(record_join_cmp(&a, &b) > 0);   /* "R2" > "R10" bytewise */
	/* same key: time, then line */
	a = rec(KIND_PAY, "K", 100, 9);
	b = rec(KIND_PAY, "K", 200, 1);
	assert_true(record_join_cmp(&a, &b) < 0);
	assert_int_equal(record_key_cmp(&a, &b), 0);
	b.time = 100;
	assert_true(record_join_cmp(&a, &b) > 0);
	/* an absent time sorts first */
	a.time = REC_NO_TIME;
	assert_true(record_join_cmp(&a, &b) < 0);
	/* bytes compare unsigned, as SQLite's BINARY collation */
	a = rec(KIND_PAY, "\xe8\xae\xa2", 0, 1);
	b = rec(KIND_PAY, "z", 0, 1);
	assert_true(record_join_cmp(&a, &b) > 0);
}

static void drain_check(struct sorter *s, const struct record *want, size_t n)
{
	struct record r;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(sorter_next(s, &r), 1);
		assert_int_equal(r.kind, want[i].kind);
		assert_string_equal(record_key(&r), record_key(&want[i]));
		assert_int_equal(r.time, want[i].time);
		assert_int_equal(r.line, want[i].line);
		assert_int_equal(r.amount, want[i].amount);
		assert_ptr_equal(r.file, want[i].file);
	}
	assert_int_equal(sorter_next(s, &r), 0);
	assert_int_equal(sorter_next(s, &r), 0);
}

static void test_small(void **state)
{
	static const char file[] = "stmt.csv";
	struct record in[8], want[8];
	struct sorter *s = sorter_new(0, NULL);
	size_t i;

	(void)state;
	/* keys sharing a long prefix (the 7-byte fast path cannot decide),
	 * a key that is a prefix of another, duplicates of one key */
	in[0] = rec(KIND_REFUND, "R-0001", 5, 8);
	in[1] = rec(KIND_PAY, "ORDER-0000002", 5, 7);
	in[2] = rec(KIND_PAY, "ORDER-0000001", 9, 6);
	in[3] = rec(KIND_PAY, "ORDER-0000001", 3, 5);
	in[4] = rec(KIND_PAY, "ORDER-000000", 3, 4);
	in[5] = rec(KIND_PAY, "ORDER-0000001", 3, 3);
	in[6] = rec(KIND_PAY, "A", 1000, 2);
	in[7] = rec(KIND_REFUND, "R", 5, 1);
	for (i = 0; i < 8; i++) {
		in[i].file = file;
		assert_int_equal(sorter_add(s, &in[i]), 0);
	}
	assert_int_equal(sorter_count(s), 8);
	want[0] = in[6];
	want[1] = in[4];
	want[2] = in[5];   /* time 3 line 3 */
	want[3] = in[3];   /* time 3 line 5 */
	want[4] = in[2];   /* time 9 */
	want[5] = in[1];
	want[6] = in[7];   /* refunds: "R" < "R-0001" */
	want[7] = in[0];
	assert_int_equal(sorter_finish(s), 0);
	drain_check(s, want, 8);
	sorter_free(s);
}

/* Keys that share a long head (dates in order codes) still sort right,
 * the head itself (a key that is all head) first. */
static void test_common_head(void **state)
{
	static const char *const keys[] = {
		"202611210000000019", "202611210000000002", "2026112100000000", "202611210000000010",
		"20261121000000001", "202611210000000001", "2026112100000000\xff",
	};
	static const char *const want[] = {
		"2026112100000000", "202611210000000001", "202611210000000002", "20261121000000001",
		"202611210000000010", "202611210000000019", "2026112100000000\xff",
	};
	struct sorter *s = sorter_new(0, NULL);
	struct record r;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		r = rec(KIND_PAY, keys[i], 0, (int64_t)i);
		assert_int_equal(sorter_add(s, &r), 0);
	}
	/* refunds have a head of their own */
	r = rec(KIND_REFUND, "RF2", 0, 100);
	assert_int_equal(sorter_add(s, &r), 0);
	r = rec(KIND_REFUND, "RF1", 0, 101);
	assert_int_equal(sorter_add(s, &r), 0);
	assert_int_equal(sorter_finish(s), 0);
	for (i = 0; i < ARRAY_LEN(want); i++) {
		assert_int_equal(sorter_next(s, &r), 1);
		assert_string_equal(r.order_code, want[i]);
	}
	assert_int_equal(sorter_next(s, &r), 1);
	assert_string_equal(r.refund_code, "RF1");
	assert_int_equal(sorter_next(s, &r), 1);
	assert_string_equal(r.refund_code, "RF2");
	assert_int_equal(sorter_next(s, &r), 0);
	sorter_free(s);
}

/* Every field comes back as it went in, codes of the longest length too. */
static void test_round_trip(void **state)
{
	static const char file[] = "f.csv";
	struct sorter *s = sorter_new(0, NULL);
	struct record a, b, out;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.amount = INT64_MIN;
	a.fee = -7;
	a.time = 1795200000;
	a.paid_time = REC_NO_TIME;
	a.line = 123456789012LL;
	a.file = file;
	a.time_off = -8 * 3600;
	a.paid_off = 19800;
	a.kind = KIND_REFUND;
	a.status = STATUS_FAILED;
	memcpy(a.currency, "KWD", 4);
	memset(a.channel, 'c', REC_CHANNEL_MAX);
	memset(a.order_code, 'o', REC_CODE_MAX);
	memset(a.refund_code, 'r', REC_CODE_MAX);
	memset(a.channel_txn_id, 't', REC_CODE_MAX);
	memset(&b, 0, sizeof(b));
	b.amount = INT64_MAX;
	b.kind = KIND_PAY;
	memcpy(b.currency, "CNY", 4);
	strcpy(b.order_code, "\xe8\xae\xa2\xe5\x8d\x95-1");
	assert_int_equal(sorter_add(s, &a), 0);
	assert_int_equal(sorter_add(s, &b), 0);
	assert_int_equal(sorter_finish(s), 0);
	assert_int_equal(sorter_next(s, &out), 1);
	assert_memory_equal(&out, &b, sizeof(out));
	assert_int_equal(sorter_next(s, &out), 1);
	assert_memory_equal(&out, &a, sizeof(out));
	assert_int_equal(sorter_next(s, &out), 0);
	sorter_free(s);
}

static void test_empty(void **state)
{
	struct sorter *s = sorter_new(1 << 20, "/nonexistent");
	struct record r;

	(void)state;
	assert_int_equal(sorter_finish(s), 0);
	assert_int_equal(sorter_count(s), 0);
	assert_int_equal(sorter_next(s, &r), 0);
	sorter_free(s);
	sorter_free(NULL);
}

static int ref_cmp(const void *a, const void *b)
{
	return record_join_cmp(a, b);
}

/* Many records over several chunks against qsort with the plain comparator. */
static void test_many(void **state)
{
	enum { N = 50000 };
	struct record *in = malloc(N * sizeof(*in));
	struct sorter *s = sorter_new(0, NULL);
	uint32_t x = 12345;
	char key[32];
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		/* few distinct keys: many equal keys and equal times */
		snprintf(key, sizeof(key), "K%05u", (x >> 8) % 3000);
		in[i] = rec((x >> 4) & 1 ? KIND_REFUND : KIND_PAY, key, (x >> 20) % 4, (int64_t)i + 1);
		assert_int_equal(sorter_add(s, &in[i]), 0);
	}
	assert_int_equal(sorter_finish(s), 0);
	qsort(in, N, sizeof(*in), ref_cmp);
	drain_check(s, in, N);
	sorter_free(s);
	free(in);
}


/* Pseudo-random records: keys of varied length sharing a head, every
 * kind, times and lines that tie often. */
static struct record *random_records(size_t n, uint32_t seed)
{
	static const char file_a[] = "a.csv", file_b[] = "b.csv";
	struct record *in = malloc(n * sizeof(*in));
	uint32_t x = seed;
	char key[REC_CODE_MAX + 1];
	size_t i;

	for (i = 0; i < n; i++) {
		int kind;

		x = x * 1103515245u + 12345u;
		kind = (x >> 4) % 8 < 5 ? KIND_PAY : (x >> 4) % 8 < 7 ? KIND_REFUND
			: (int)((x >> 8) % KIND__COUNT);
		snprintf(key, sizeof(key), "20261121%0*u", (int)(1 + (x >> 12) % 12),
			 (x >> 9) % 50000);
		in[i] = rec(kind, key, (x >> 24) % 3, (int64_t)(i % 7000) + 1);
		in[i].file = (x >> 3) & 1 ? file_a : file_b;
		in[i].fee = -(int64_t)i;
		in[i].paid_time = i % 5 ? REC_NO_TIME : 1795200000 + (int64_t)i;
		snprintf(in[i].channel_txn_id, sizeof(in[i].channel_txn_id), "T%zu", i * 7919);
		snprintf(in[i].channel, sizeof(in[i].channel), "%s", (x >> 5) & 1 ? "wechat" : "alipay");
	}
	return in;
}

/* Every field of the records, in order. */
static void drain_exact(struct sorter *s, const struct record *want, size_t n)
{
	struct record r;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(sorter_next(s, &r), 1);
		assert_memory_equal(&r, &want[i], sizeof(r));
	}
	assert_int_equal(sorter_next(s, &r), 0);
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The smallest budget: hundreds of runs, merged several times over, and
 * the same records in the same order as an unlimited sort; no file is
 * ever seen in the folder, and memory held stays within the budget. */
static void test_spill_many_runs(void **state)
{
	enum { N = 40000 };
	char dir[] = "/tmp/test_sort.XXXXXX";
	struct record *in = random_records(N, 777);
	struct sorter *s;
	struct sorter_stats st;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	s = sorter_new(1, dir);     /* raised to SORTER_MIN_BUDGET */
	for (i = 0; i < N; i++) {
		/* records are copied: the caller's may change at once */
		struct record r = in[i];

		assert_int_equal(sorter_add(s, &r), 0);
		memset(&r, 'x', sizeof(r));
	}
	assert_int_equal(sorter_finish(s), 0);
	assert_int_equal(entries(dir), 0);
	sorter_stats(s, &st);
	assert_int_equal(st.records, N);
	assert_true(st.runs > 100);
	assert_true(st.run_bytes > (uint64_t)N * 64);
	assert_true(st.peak_bytes <= SORTER_MIN_BUDGET);
	qsort(in, N, sizeof(*in), ref_cmp);
	drain_exact(s, in, N);
	sorter_free(s);
	assert_int_equal(entries(dir), 0);
	assert_int_equal(rmdir(dir), 0);
	free(in);
}

/* Fits the budget: nothing written, the same order. */
static void test_spill_not_needed(void **state)
{
	enum { N = 20000 };
	struct record *in = random_records(N, 4242);
	struct sorter *s = sorter_new((size_t)64 << 20, "/nonexistent");
	struct sorter_stats st;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		assert_int_equal(sorter_add(s, &in[i]), 0);
	assert_int_equal(sorter_finish(s), 0);
	sorter_stats(s, &st);
	assert_int_equal(st.runs, 0);
	qsort(in, N, sizeof(*in), ref_cmp);
	sorter_prefetch(s);
	drain_exact(s, in, N);
	sorter_free(s);
	free(in);
}

/* A few runs of a middling budget, records of the longest codes: the
 * packed form on disk keeps every byte. */
static void test_spill_longest(void **state)
{
	enum { N = 6000 };
	struct record *in = malloc(N * sizeof(*in));
	struct sorter *s = sorter_new((size_t)1 << 20, NULL);
	struct sorter_stats st;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		record_init(&in[i]);
		in[i].kind = i % 3 ? KIND_PAY : KIND_REFUND;
		memset(in[i].order_code, 'a' + (int)(i % 26), REC_CODE_MAX);
		snprintf(in[i].order_code + REC_CODE_MAX - 8, 9, "%08zu", (i * 37) % N);
		memset(in[i].refund_code, 'r', REC_CODE_MAX);
		snprintf(in[i].refund_code + REC_CODE_MAX - 8, 9, "%08zu", (i * 53) % N);
		memset(in[i].channel_txn_id, 't', REC_CODE_MAX);
		memset(in[i].channel, 'c', REC_CHANNEL_MAX);
		in[i].amount = INT64_MIN + (int64_t)i;
		in[i].time_off = -(int32_t)i;
		in[i].paid_off = (int32_t)i;
		in[i].status = (uint8_t)(i % STATUS__COUNT);
		in[i].line = (int64_t)i;
		memcpy(in[i].currency, "KWD", 4);
		assert_int_equal(sorter_add(s, &in[i]), 0);
	}
	assert_int_equal(sorter_finish(s), 0);
	sorter_stats(s, &st);
	assert_true(st.runs >= 2);
	qsort(in, N, sizeof(*in), ref_cmp);
	sorter_prefetch(s);          /* merged ahead by the sorter's thread */
	drain_exact(s, in, N);
	sorter_free(s);
	free(in);
}

/* A folder runs cannot go to: an error naming it, and the sorter refuses
 * further work instead of losing records. */
static void test_spill_unwritable(void **state)
{
	enum { N = 20000 };
	struct record *in = random_records(N, 99);
	struct sorter *s = sorter_new(1, "/nonexistent/recon-test");
	struct record r;
	size_t i;
	int rc = 0;

	(void)state;
	diag_reset();
	for (i = 0; i < N && rc == 0; i++)
		rc = sorter_add(s, &in[i]);
	if (rc == 0)
		rc = sorter_finish(s);
	else
		assert_int_equal(sorter_add(s, &in[0]), -1);
	assert_int_equal(rc, -1);
	assert_int_equal(diag_status(), RX_INTERNAL);
	if (i < N)
		assert_int_equal(sorter_finish(s), -1);
	assert_int_equal(sorter_next(s, &r), -1);
	sorter_free(s);
	diag_reset();
	free(in);
}

static int group_cmp(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	/* the group is kept in fee for the test */
	if (x->fee != y->fee)
		return x->fee < y->fee ? -1 : 1;
	return record_join_cmp(x, y);
}

/* Groups come out in order, each in join order, through runs too. */
static void test_groups(void **state)
{
	enum { N = 30000 };
	struct record *in = random_records(N, 31337), r;
	struct sorter *s = sorter_new(1, NULL);
	unsigned g;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		in[i].fee = (int64_t)((i * 7) % 5) * 1000;
		assert_int_equal(sorter_add_group(s, (unsigned)(in[i].fee / 1000), &in[i]), 0);
	}
	assert_int_equal(sorter_finish(s), 0);
	qsort(in, N, sizeof(*in), group_cmp);
	for (i = 0; i < N; i++) {
		assert_int_equal(sorter_next_group(s, &g, &r), 1);
		assert_int_equal(g, in[i].fee / 1000);
		assert_memory_equal(&r, &in[i], sizeof(r));
	}
	assert_int_equal(sorter_next_group(s, &g, &r), 0);
	sorter_free(s);
	free(in);
}

/* Most keys share a long head that a few others do not: the first eight
 * bytes after what all share cannot tell them apart, the next ones can. */
static void test_long_shared_head(void **state)
{
	enum { N = 5000 };
	struct record *in = malloc(N * sizeof(*in));
	struct sorter *s = sorter_new(0, NULL);
	char key[40];
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		if (i % 1000 == 7)
			snprintf(key, sizeof(key), "2025%zu", i);
		else
			snprintf(key, sizeof(key), "20261121000000%06zu", (i * 7919) % 100000);
		in[i] = rec(i % 9 ? KIND_PAY : KIND_REFUND, key, (int64_t)(i % 3), (int64_t)i);
		assert_int_equal(sorter_add(s, &in[i]), 0);
	}
	assert_int_equal(sorter_finish(s), 0);
	qsort(in, N, sizeof(*in), ref_cmp);
	drain_exact(s, in, N);
	sorter_free(s);
	free(in);
}

/* Partitions: input many times the budget, cut into ranges by the first
 * batch's keys and each sorted when read: the same records in the same
 * order as an unlimited sort, nothing left in the folder, with or without
 * the thread that reads ahead. */
static void test_partition(void **state)
{
	enum { N = 60000 };
	char dir[] = "/tmp/test_sort.XXXXXX";
	struct record *in = random_records(N, 31337);
	struct sorter_stats st;
	int pass;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (pass = 0; pass < 2; pass++) {
		struct record *want = malloc(N * sizeof(*want));
		struct sorter *s = sorter_new((size_t)1 << 20, dir);
		size_t i;

		sorter_partition(s, NULL, 0);
		for (i = 0; i < N; i++)
			assert_int_equal(sorter_add(s, &in[i]), 0);
		assert_int_equal(sorter_finish(s), 0);
		assert_int_equal(entries(dir), 0);
		sorter_stats(s, &st);
		assert_int_equal(st.records, N);
		assert_true(st.ranges > 8);
		assert_int_equal(st.runs, 0);
		memcpy(want, in, N * sizeof(*want));
		qsort(want, N, sizeof(*want), ref_cmp);
		if (pass)
			sorter_prefetch(s);
		drain_exact(s, want, N);
		sorter_free(s);
		free(want);
	}
	assert_int_equal(entries(dir), 0);
	assert_int_equal(rmdir(dir), 0);
	free(in);
}

/* Keys that grow with the input (order codes that begin with the time,
 * in a statement in time order): the first batch holds only the smallest,
 * so nearly everything falls in the last range, too big to sort in
 * memory; it is sorted through runs instead, in the same order. */
static void test_partition_skewed(void **state)
{
	enum { N = 50000 };
	struct record *in = malloc(N * sizeof(*in));
	struct sorter *s = sorter_new((size_t)1 << 20, NULL);
	size_t i;

	(void)state;
	sorter_partition(s, NULL, 0);
	for (i = 0; i < N; i++) {
		char key[32];

		/* rising, with neighbours swapped so that sorting is needed */
		snprintf(key, sizeof(key), "20261121%08zu", i ^ 1);
		in[i] = rec(i % 7 ? KIND_PAY : KIND_REFUND, key, (int64_t)(N - i), (int64_t)i + 1);
		assert_int_equal(sorter_add(s, &in[i]), 0);
	}
	assert_int_equal(sorter_finish(s), 0);
	qsort(in, N, sizeof(*in), ref_cmp);
	sorter_prefetch(s);
	drain_exact(s, in, N);
	sorter_free(s);
	free(in);
}

/* The same rising keys, cut by marks spread as the keys will be (as a
 * day file's): every range fits, and the order is the same. */
static void test_partition_marks(void **state)
{
	enum { N = 50000, M = 500 };
	struct record *in = malloc(N * sizeof(*in));
	struct key_mark *marks = calloc(M, sizeof(*marks));
	struct sorter *s = sorter_new((size_t)1 << 20, NULL);
	struct sorter_stats st;
	size_t i;

	(void)state;
	for (i = 0; i < M; i++) {
		marks[i].kind = KIND_PAY;
		marks[i].len = (uint8_t)snprintf(marks[i].key, sizeof(marks[i].key), "20261121%08zu",
						 i * N / M);
	}
	sorter_partition(s, marks, M);
	for (i = 0; i < N; i++) {
		char key[32];

		snprintf(key, sizeof(key), "20261121%08zu", i ^ 1);
		in[i] = rec(i % 7 ? KIND_PAY : KIND_REFUND, key, (int64_t)(N - i), (int64_t)i + 1);
		assert_int_equal(sorter_add(s, &in[i]), 0);
	}
	assert_int_equal(sorter_finish(s), 0);
	sorter_stats(s, &st);
	assert_true(st.ranges > 32);
	qsort(in, N, sizeof(*in), ref_cmp);
	sorter_prefetch(s);
	drain_exact(s, in, N);
	sorter_free(s);
	free(marks);
	free(in);
}

/* Two halves of a file cut at the same marks read as one: the second's
 * records with their lines moved on, their file and channel kept; halves
 * cut at their own first batches' keys are refused (read them apart). */
static void test_partition_absorb(void **state)
{
	enum { N = 40000, M = 300, OFF = 1000000 };
	struct record *in = random_records(N, 2718), *want = malloc(N * sizeof(*want));
	struct key_mark *marks = calloc(M, sizeof(*marks));
	struct sorter *a, *b;
	size_t i;

	(void)state;
	/* marks: every few keys of the input, sorted */
	memcpy(want, in, N * sizeof(*want));
	qsort(want, N, sizeof(*want), ref_cmp);
	for (i = 0; i < M; i++) {
		const struct record *r = &want[i * N / M];

		marks[i].kind = r->kind;
		marks[i].len = (uint8_t)strlen(record_key(r));
		memcpy(marks[i].key, record_key(r), marks[i].len);
	}
	a = sorter_new((size_t)1 << 20, NULL);
	b = sorter_new((size_t)1 << 20, NULL);
	sorter_partition(a, marks, M);
	sorter_partition(b, marks, M);
	for (i = 0; i < N; i++) {
		if (i < N / 2) {
			assert_int_equal(sorter_add(a, &in[i]), 0);
			continue;
		}
		in[i].file = "second-half.csv";
		strcpy(in[i].channel, "second");
		assert_int_equal(sorter_add(b, &in[i]), 0);
		in[i].line += OFF;      /* as it must come out */
	}
	assert_int_equal(sorter_finish(a), 0);
	assert_int_equal(sorter_finish(b), 0);
	assert_int_equal(sorter_absorb(a, b, OFF), 0);
	assert_int_equal(sorter_count(a), N);
	sorter_free(b);
	memcpy(want, in, N * sizeof(*want));
	qsort(want, N, sizeof(*want), ref_cmp);
	sorter_prefetch(a);
	drain_exact(a, want, N);
	sorter_free(a);

	/* no marks: each cut at its own keys */
	a = sorter_new((size_t)1 << 20, NULL);
	b = sorter_new((size_t)1 << 20, NULL);
	sorter_partition(a, NULL, 0);
	sorter_partition(b, NULL, 0);
	for (i = 0; i < N; i++)
		assert_int_equal(sorter_add(i % 2 ? b : a, &in[(i * 7919) % N]), 0);
	assert_int_equal(sorter_finish(a), 0);
	assert_int_equal(sorter_finish(b), 0);
	assert_int_equal(sorter_absorb(a, b, OFF), -1);
	assert_int_equal(sorter_count(a), N / 2);
	sorter_free(a);
	sorter_free(b);
	free(marks);
	free(want);
	free(in);
}

/* A folder ranges cannot go to: an error, never a lost record. */
static void test_partition_unwritable(void **state)
{
	enum { N = 60000 };
	struct record *in = random_records(N, 5);
	struct sorter *s = sorter_new((size_t)1 << 20, "/nonexistent/recon-test");
	struct record r;
	size_t i;
	int rc = 0;

	(void)state;
	diag_reset();
	sorter_partition(s, NULL, 0);
	for (i = 0; i < N && rc == 0; i++)
		rc = sorter_add(s, &in[i]);
	if (rc == 0)
		rc = sorter_finish(s);
	else
		assert_int_equal(sorter_finish(s), -1);
	assert_int_equal(rc, -1);
	assert_int_equal(diag_status(), RX_INTERNAL);
	assert_int_equal(sorter_next(s, &r), -1);
	sorter_free(s);
	diag_reset();
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmp_order),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_common_head),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_spill_many_runs),
		cmocka_unit_test(test_spill_not_needed),
		cmocka_unit_test(test_spill_longest),
		cmocka_unit_test(test_spill_unwritable),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_long_shared_head),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_partition_skewed),
		cmocka_unit_test(test_partition_marks),
		cmocka_unit_test(test_partition_absorb),
		cmocka_unit_test(test_partition_unwritable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
