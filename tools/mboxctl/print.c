// SPDX-License-Identifier: GPL-2.0
/*
 * mboxctl's text and JSON output.  See print.h.
 *
 * JSON is built with jansson (Debian's libjansson, the library nftables
 * uses for the same job) and written when the outermost container closes.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "print.h"

#define PRINT_DEPTH	8

static bool json_mode;
static size_t dump_flags;
static json_t *stack[PRINT_DEPTH];
static int depth;
static bool line_start = true;

void print_init(bool json, bool pretty)
{
	json_mode = json;
	dump_flags = JSON_PRESERVE_ORDER |
		     (pretty ? JSON_INDENT(2) : JSON_COMPACT);
}

bool print_is_json(void)
{
	return json_mode;
}

static void oom(void)
{
	fputs("mboxctl: out of memory\n", stderr);
	exit(1);
}

/* Adds @value (a new reference) to the current container under @key. */
static void json_add(const char *key, json_t *value)
{
	json_t *top;

	if (!value)
		oom();
	if (!depth) {
		/* A bare value at the top level: write it at once. */
		json_dumpf(value, stdout, dump_flags | JSON_ENCODE_ANY);
		putchar('\n');
		json_decref(value);
		return;
	}
	top = stack[depth - 1];
	if (json_is_array(top)) {
		if (json_array_append_new(top, value))
			oom();
	} else if (json_object_set_new(top, key ? key : "?", value)) {
		oom();
	}
}

static void open_container(const char *key, json_t *container)
{
	if (!json_mode)
		return;
	if (!container)
		oom();
	if (depth == PRINT_DEPTH) {
		fputs("mboxctl: output nested too deeply\n", stderr);
		exit(1);
	}
	if (depth)
		json_add(key, json_incref(container));
	stack[depth++] = container;
}

static void close_container(void)
{
	json_t *done;

	if (!json_mode || !depth)
		return;
	done = stack[--depth];
	if (!depth) {
		json_dumpf(done, stdout, dump_flags);
		putchar('\n');
		fflush(stdout);
	}
	json_decref(done);
}

void print_open_object(const char *key)
{
	open_container(key, json_mode ? json_object() : NULL);
}

void print_close_object(void)
{
	close_container();
}

void print_open_array(const char *key)
{
	open_container(key, json_mode ? json_array() : NULL);
}

void print_close_array(void)
{
	close_container();
}

static void text(const char *fmt, ...)
{
	va_list ap;

	if (!line_start)
		putchar(' ');
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	line_start = false;
}

void print_u64(const char *key, const char *fmt, uint64_t value)
{
	char buf[24];

	if (!json_mode) {
		if (fmt)
			text(fmt, value);
		return;
	}
	if (!key)
		return;
	if (value > INT64_MAX) {
		snprintf(buf, sizeof(buf), "%" PRIu64, value);
		json_add(key, json_string(buf));
	} else {
		json_add(key, json_integer((json_int_t)value));
	}
}

void print_f64(const char *key, const char *fmt, double value)
{
	if (!json_mode) {
		if (fmt)
			text(fmt, value);
		return;
	}
	if (key)
		json_add(key, json_real(value));
}

void print_str(const char *key, const char *fmt, const char *value)
{
	if (!json_mode) {
		if (fmt)
			text(fmt, value);
		return;
	}
	if (key)
		json_add(key, json_string(value));
}

void print_bool(const char *key, const char *fmt, bool value)
{
	if (!json_mode) {
		if (fmt && value)
			text("%s", fmt);
		return;
	}
	if (key)
		json_add(key, json_boolean(value));
}

void print_nl(void)
{
	if (json_mode || line_start)
		return;
	putchar('\n');
	line_start = true;
}

void print_indent(void)
{
	if (json_mode)
		return;
	print_nl();
	fputs("    ", stdout);
}
