// SPDX-License-Identifier: GPL-2.0
/*
 * Pieces of the text printer's lines that several rules' payloads share:
 * an object and where it came from, a lock by name, who got freed memory.
 */
#include <stdio.h>
#include "heap.h"
#include "events.h"
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "probe/statics.h"
#include "lib/escape.h"
#include "report/text_parts.h"
#include "symbols/ksym.h"

/* "; the memory since handed to f+0x10 [mod] (tid N)": core code got it. */
void text_reused(FILE *out, const struct mw_reused_by *r)
{
	char by[MW_SYM_LEN];

	if (!r->site)
		return;
	mw_ksym_format(r->site, by, sizeof(by));
	fprintf(out, "; the memory since handed to %s (tid %u)", by, r->tid);
}

/* "0xADDR (SIZE bytes[, cache NAME]) allocated at SITE" */
void text_object(FILE *out, const struct mw_object *o)
{
	char alloc[MW_SYM_LEN], cache[MW_CACHE_NAME + 1];
	struct mw_sym s;

	if (o->flags & MW_OBJ_STATIC) {
		fprintf(out, "0x%llx (%llu bytes, static ", (unsigned long long)o->addr,
			(unsigned long long)o->size);
		if (!mw_ksym_resolve_data(o->addr, &s))
			fprintf(out, "%s [%s])", mw_esc(s.name), mw_esc(s.module));
		else
			fputs("of the module)", out);
		return;
	}
	mw_ksym_format(o->alloc_site, alloc, sizeof(alloc));
	fprintf(out, "0x%llx (%llu bytes", (unsigned long long)o->addr,
		(unsigned long long)o->size);
	if (!mw_heap_cache_name(o->cache, cache, sizeof(cache)))
		fprintf(out, ", cache %s", mw_esc(cache));
	fprintf(out, ") allocated at %s by tid %u", alloc, o->alloc_tid);
}

/* "mutex mw_buggy:lock_a" */
void text_lock(FILE *out, const struct mw_lock *l)
{
	char name[256];

	mw_lock_name(l->addr, name, sizeof(name));
	fprintf(out, "%s %s", mw_lock_type_name(l->type), mw_esc(name));
}
