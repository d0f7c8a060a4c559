/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mboxctl's output: one call per field serves text and JSON.
 *
 * Every print_*() takes a JSON key and a text format.  In text mode the
 * format is printed (fields on a line are separated by one space) and the
 * key ignored; in JSON mode the value goes into the current object or
 * array under the key and the format is ignored.  A NULL key prints in text
 * only, a NULL format in JSON only.  Objects and arrays opened at the top
 * level are written out when closed, one JSON document per line (indented
 * with -p).  Numbers above INT64_MAX, which JSON readers cannot be trusted
 * with, are written as decimal strings.
 */
#ifndef MBOXCTL_PRINT_H
#define MBOXCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

void print_init(bool json, bool pretty);
bool print_is_json(void);

void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

void print_u64(const char *key, const char *fmt, uint64_t value);
void print_str(const char *key, const char *fmt, const char *value);
void print_f64(const char *key, const char *fmt, double value);
/* In text, @fmt (no conversion) is printed only when @value is true. */
void print_bool(const char *key, const char *fmt, bool value);

/* Text only: end the line; print_indent() starts a continuation line. */
void print_nl(void);
void print_indent(void);

#endif /* MBOXCTL_PRINT_H */
