/* test_pan.c: card numbers masked to the first 6 and last 4 at most, in a
 * field and wherever they stand in a raw line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recon/pan.h"

static void masks(const char *in, const char *want, size_t nmasked)
{
	char buf[64];
	size_t n = strlen(in);

	memcpy(buf, in, n + 1);
	assert_int_equal(pan_mask(buf, n), nmasked);
	assert_string_equal(buf, want);
}

static void test_lengths(void **state)
{
	(void)state;
	/* UnionPay's 19-digit and 16-digit numbers (EXPECTED.md). */
	masks("6222021001123456789", "622202*********6789", 9);
	masks("6225880123456783", "622588******6783", 6);
	/* The shortest PAN, 13 digits: 3 hidden. */
	masks("4222222222222", "422222***2222", 3);
	/* Too short to keep the first 6 as well: the last 4 only. */
	masks("123456789012", "********9012", 8);
	masks("12345678", "****5678", 4);
	/* Shorter still: nothing kept. */
	masks("1234567", "*******", 7);
	masks("", "", 0);
}

static void test_padding_and_remask(void **state)
{
	(void)state;
	/* A fixed-width field keeps its padding and its length. */
	masks("6221550012345678   ", "622155******5678   ", 6);
	masks("  6221550012345678\t", "  622155******5678\t", 6);
	masks("     ", "     ", 0);
	/* A number the channel masked already stays as it is. */
	masks("622202*********6789", "622202*********6789", 0);
}

static void test_in_raw_line(void **state)
{
	char line[] = "S22,6222021001123456789,100.00,\"6222021001123456789\",62220210011";

	(void)state;
	/* Every occurrence, not a part of a longer number's neighbour. */
	assert_int_equal(pan_mask_in(line, strlen(line), "6222021001123456789", 19), 2);
	assert_string_equal(line, "S22,622202*********6789,100.00,\"622202*********6789\","
			    "62220210011");
	/* Too short to be told from other fields: left alone in the line. */
	{
		char l2[] = "A,12345,12345";

		assert_int_equal(pan_mask_in(l2, strlen(l2), "12345", 5), 0);
		assert_string_equal(l2, "A,12345,12345");
	}
	/* Not there: nothing changes. */
	{
		char l3[] = "A,1111222233334444";

		assert_int_equal(pan_mask_in(l3, strlen(l3), "5555666677778888", 16), 0);
		assert_string_equal(l3, "A,1111222233334444");
	}
	/* At the very end of the text. */
	{
		char l4[] = "x6225880123456783";

		assert_int_equal(pan_mask_in(l4, strlen(l4), "6225880123456783", 16), 1);
		assert_string_equal(l4, "x622588******6783");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_padding_and_remask),
		cmocka_unit_test(test_in_raw_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
