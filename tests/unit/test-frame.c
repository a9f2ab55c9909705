/*
 * test-frame.c -- the server protocol's frame parser and encoder
 * (src/frame.c): round trips, every split point, bad magic, oversized,
 * unknown types, other versions.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static void
test_round_trip(void **state)
{
	struct frame_buf b;
	struct frame	 f;
	const char	*why = NULL;
	size_t		 used;

	memset(&b, 0, sizeof b);
	frame_buf_frame(&b, FRAME_REQUEST, "{\"op\":\"status\"}", 15);
	frame_buf_frame(&b, FRAME_STDOUT, "a\0b", 3);
	frame_buf_frame(&b, FRAME_STDIN, NULL, 0);
	assert_int_equal(frame_buf_len(&b), 3 * FRAME_HEADER + 18);
	assert_memory_equal(b.data, "CTSV\0\1\0\4\0\0\0\17", FRAME_HEADER);

	assert_int_equal(frame_parse(b.data + b.start, frame_buf_len(&b), &f,
	    &used, &why), 1);
	assert_int_equal(f.type, FRAME_REQUEST);
	assert_int_equal(f.version, FRAME_PROTOCOL);
	assert_int_equal(f.len, 15);
	assert_memory_equal(f.data, "{\"op\":\"status\"}", 15);
	assert_true(frame_type_is_json(f.type));
	frame_buf_drop(&b, used);

	assert_int_equal(frame_parse(b.data + b.start, frame_buf_len(&b), &f,
	    &used, &why), 1);
	assert_int_equal(f.type, FRAME_STDOUT);
	assert_int_equal(f.len, 3);
	assert_memory_equal(f.data, "a\0b", 3);
	assert_false(frame_type_is_json(f.type));
	frame_buf_drop(&b, used);

	assert_int_equal(frame_parse(b.data + b.start, frame_buf_len(&b), &f,
	    &used, &why), 1);
	assert_int_equal(f.type, FRAME_STDIN);
	assert_int_equal(f.len, 0);
	frame_buf_drop(&b, used);
	assert_int_equal(frame_buf_len(&b), 0);
	frame_buf_free(&b);
}

/* Any prefix of a valid frame asks for more; never an error. */
static void
test_every_split(void **state)
{
	struct frame_buf b;
	struct frame	 f;
	const char	*why = NULL;
	size_t		 used, i;

	memset(&b, 0, sizeof b);
	frame_buf_frame(&b, FRAME_EVENT, "{\"event\":\"accepted\"}", 20);
	for (i = 0; i < frame_buf_len(&b); i++)
		assert_int_equal(frame_parse(b.data, i, &f, &used, &why), 0);
	assert_int_equal(frame_parse(b.data, frame_buf_len(&b), &f, &used,
	    &why), 1);
	assert_int_equal(used, frame_buf_len(&b));
	frame_buf_free(&b);
}

static void
test_bad_frames(void **state)
{
	uint8_t		 h[FRAME_HEADER];
	struct frame	 f;
	const char	*why = NULL;
	size_t		 used;

	/* Garbage: refused at its first byte. */
	assert_int_equal(frame_parse((const uint8_t *)"GET / HTTP/1.0", 1, &f,
	    &used, &why), -1);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(frame_parse((const uint8_t *)"CTSX", 4, &f, &used,
	    &why), -1);
	assert_non_null(why);

	/* Oversized: refused from the header alone. */
	frame_header(h, FRAME_STDOUT, FRAME_MAX + 1);
	why = NULL;
	assert_int_equal(frame_parse(h, sizeof h, &f, &used, &why), -1);
	assert_string_equal(why, "frame larger than 1 MiB");
	frame_header(h, FRAME_STDOUT, FRAME_MAX);
	assert_int_equal(frame_parse(h, sizeof h, &f, &used, &why), 0);

	/* Unknown types of this version. */
	frame_header(h, (enum frame_type)0, 0);
	assert_int_equal(frame_parse(h, sizeof h, &f, &used, &why), -1);
	frame_header(h, (enum frame_type)(FRAME_TYPE_LAST + 1), 0);
	assert_int_equal(frame_parse(h, sizeof h, &f, &used, &why), -1);
	assert_string_equal(why, "unknown frame type");

	/* Another version: returned, for the caller to report. */
	frame_header(h, (enum frame_type)77, 0);
	h[5] = 2;
	assert_int_equal(frame_parse(h, sizeof h, &f, &used, &why), 1);
	assert_int_equal(f.version, 2);
	assert_int_equal(f.type, 77);
}

static void
test_names(void **state)
{
	assert_string_equal(frame_type_name(FRAME_HELLO), "HELLO");
	assert_string_equal(frame_type_name(FRAME_TERM_IN), "TERM_IN");
	assert_string_equal(frame_type_name(0), "?");
	assert_string_equal(frame_type_name(999), "?");
}

/* Buffers: compaction keeps the unread bytes in order. */
static void
test_buf(void **state)
{
	struct frame_buf b;
	char		 chunk[1000];
	size_t		 i, total = 0, dropped = 0;

	memset(&b, 0, sizeof b);
	for (i = 0; i < 200; i++) {
		memset(chunk, (int)('a' + i % 26), sizeof chunk);
		frame_buf_add(&b, chunk, sizeof chunk);
		total += sizeof chunk;
		frame_buf_drop(&b, 700);
		dropped += 700;
		assert_int_equal(frame_buf_len(&b), total - dropped);
		assert_int_equal(b.data[b.start], 'a' + (dropped / 1000) % 26);
	}
	frame_buf_drop(&b, frame_buf_len(&b));
	assert_int_equal(frame_buf_len(&b), 0);
	frame_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_buf),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
