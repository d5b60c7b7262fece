// SPDX-License-Identifier: GPL-2.0
/*
 * What `modwatch report` takes of a saved line: one JSON object and
 * nothing after it, whose numbers are whole, not negative and in their
 * field's range, whose strings hold no NUL, whose addresses are "0x" and
 * hex digits and whose ranges (an address and its size or length) end
 * inside the address space. Anything else is the line's error, said once:
 * a renderer never prints a field it would have to guess at.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "lib/escape.h"
#include "report/json_check.h"
#include "report/json_read.h"

/* The numbers narrower than 64 bits: the kernel's and the DWARF's types. */
static const struct {
	const char *key;
	__u64 max;
} bounded[] = {
	{ "line", INT_MAX },
	{ "pid", UINT32_MAX },
	{ "tid", UINT32_MAX },
	{ "cpu", UINT32_MAX },
	{ "id", UINT32_MAX },
};

/* The members that hold an address, as json_addr() writes it. */
static const char *const addr_keys[] = { "addr", "ptr", "key", "cache", "text_start", "text_end" };

/* The members that, with "addr", make a range. */
static const char *const size_keys[] = { "size", "len" };

static __u64 bound_of(const char *key)
{
	size_t i;

	for (i = 0; key && i < sizeof(bounded) / sizeof(bounded[0]); i++)
		if (!strcmp(key, bounded[i].key))
			return bounded[i].max;
	return INT64_MAX;
}

static bool is_addr_key(const char *key)
{
	size_t i;

	for (i = 0; key && i < sizeof(addr_keys) / sizeof(addr_keys[0]); i++)
		if (!strcmp(key, addr_keys[i]))
			return true;
	return false;
}

/* "0x" and 1 to 16 hex digits. */
static bool is_addr(const char *s)
{
	size_t n = strncmp(s, "0x", 2) ? 0 : strspn(s + 2, "0123456789abcdefABCDEF");

	return n >= 1 && n <= 16 && !s[2 + n];
}

static int why_key(char *why, size_t size, const char *key, const char *what)
{
	snprintf(why, size, "\"%s\": %s", key ? mw_esc(key) : "(in an array)", what);
	return -EINVAL;
}

static int check_scalar(json_object *v, const char *key, char *why, size_t size)
{
	char what[96];

	if (json_object_is_type(v, json_type_double))
		return why_key(why, size, key, "not a whole number");
	if (json_object_is_type(v, json_type_int)) {
		if (json_object_get_int64(v) < 0)
			return why_key(why, size, key, "a negative number");
		if (json_object_get_uint64(v) > bound_of(key)) {
			snprintf(what, sizeof(what), "%s is out of range (at most %llu)",
				 json_object_to_json_string(v), (unsigned long long)bound_of(key));
			return why_key(why, size, key, what);
		}
	}
	if (!json_object_is_type(v, json_type_string))
		return 0;
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return why_key(why, size, key, "a string with a NUL byte");
	if (is_addr_key(key) && !is_addr(json_object_get_string(v)))
		return why_key(why, size, key, "not an address (0x and up to 16 hex digits)");
	return 0;
}

/* An object's "addr" with its "size" or "len": the range must end inside the address space. */
static int check_range(json_object *o, char *why, size_t size)
{
	__u64 addr = mw_jnum(o, "addr");
	size_t i;

	if (!mw_jstr(o, "addr"))
		return 0;
	for (i = 0; i < sizeof(size_keys) / sizeof(size_keys[0]); i++)
		if (mw_jget(o, size_keys[i]) && mw_jnum(o, size_keys[i]) > UINT64_MAX - addr)
			return why_key(why, size, size_keys[i], "the range from \"addr\" wraps "
				       "past the end of the address space");
	return 0;
}

static int check_value(json_object *v, const char *key, char *why, size_t size, int depth)
{
	size_t i, n;
	int err;

	if (depth > 32)
		return why_key(why, size, key, "nested too deep");
	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			err = check_value(json_object_array_get_idx(v, i), key, why, size, depth + 1);
			if (err)
				return err;
		}
		return 0;
	}
	if (!json_object_is_type(v, json_type_object))
		return v ? check_scalar(v, key, why, size) : 0;
	json_object_object_foreach(v, k, m) {
		err = check_value(m, k, why, size, depth + 1);
		if (err)
			return err;
	}
	return check_range(v, why, size);
}

static const char *const type_names[] = {
	[json_type_null] = "null", [json_type_boolean] = "boolean",
	[json_type_double] = "number", [json_type_int] = "number",
	[json_type_object] = "object", [json_type_array] = "array",
	[json_type_string] = "string",
};

int mw_json_check_line(const char *line, size_t len, json_object **v, char *why, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	size_t end;
	int err = -EINVAL;

	*v = NULL;
	if (!tok)
		return -ENOMEM;
	*v = json_tokener_parse_ex(tok, line, len);
	end = json_tokener_get_parse_end(tok);
	/* A number at the end of the text may go on: the end of the line ends it. */
	if (!*v && json_tokener_get_error(tok) == json_tokener_continue)
		*v = json_tokener_parse_ex(tok, "", 1);
	if (!*v || json_tokener_get_error(tok) != json_tokener_success)
		snprintf(why, size, "not a JSON object (modwatch report reads what --json wrote)");
	else if (!json_object_is_type(*v, json_type_object))
		snprintf(why, size, "a JSON %s, not an object (modwatch report reads what --json "
			 "wrote)", type_names[json_object_get_type(*v)]);
	else if (end + strspn(line + end, " \t\r") < len)
		snprintf(why, size, "text after the JSON object, at column %zu", end + 1);
	else
		err = check_value(*v, NULL, why, size, 0);
	json_tokener_free(tok);
	if (err) {
		json_object_put(*v);
		*v = NULL;
	}
	return err;
}
