// SPDX-License-Identifier: GPL-2.0
/* Reading a report's JSON object: what the KASAN layout and `modwatch report` share. */
#include <stdlib.h>
#include "report/json_read.h"

json_object *mw_jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *mw_jstr(json_object *o, const char *key)
{
	json_object *v = mw_jget(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

__u64 mw_jnum(json_object *o, const char *key)
{
	json_object *v = mw_jget(o, key);

	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strtoull(json_object_get_string(v), NULL, 0);
	return json_object_get_uint64(v);
}
