// SPDX-License-Identifier: GPL-2.0
/*
 * Repeats: the BPF side reports the first occurrence per dedup key and only
 * counts the others in mw_dedup (include/events.h). The daemon reads the
 * counts back every few seconds and at the end, prints what grew since it
 * last looked ("repeated N times"), and keeps the totals for the summary:
 * exact counts with a bounded number of lines, however long the storm.
 *
 * It keeps its own table of what it printed, keyed like mw_dedup: the map
 * is an LRU, and a key it forgot restarts at one (the next occurrence is
 * reported again), which the table sees as a count below what it printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "session/repeats.h"
#include "probe/skel.h"

/* Twice mw_dedup's entries: the table stays at most half full. */
#define TABLE_SLOTS (2 * MW_DEDUP_ENTRIES)

struct repeat {
	struct mw_dedup_key key;
	__u64 counted;		/* occurrences already added to the totals */
	bool used;
};

struct mw_repeats {
	struct repeat table[TABLE_SLOTS];
};

struct mw_repeats *mw_repeats_new(void)
{
	return calloc(1, sizeof(struct mw_repeats));
}

void mw_repeats_free(struct mw_repeats *r)
{
	free(r);
}

static size_t slot_of(struct repeat *table, const struct mw_dedup_key *k)
{
	const unsigned char *p = (const void *)k;
	__u64 h = 1469598103934665603ull;
	size_t i, s;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	for (s = h % TABLE_SLOTS; table[s].used; s = (s + 1) % TABLE_SLOTS)
		if (!memcmp(&table[s].key, k, sizeof(*k)))
			break;
	return s;
}

/* Occurrences of @k not yet counted; a first sight counts the one reported as done. */
static __u64 grown(struct mw_repeats *t, const struct mw_dedup_key *k, __u64 count)
{
	struct repeat *r = &t->table[slot_of(t->table, k)];
	__u64 n;

	if (!r->used) {
		r->used = true;
		r->key = *k;
		r->counted = 1;
	}
	if (count < r->counted)	/* forgotten by the LRU and seen anew: reported anew */
		r->counted = 1;
	n = count - r->counted;
	r->counted = count;
	return n;
}

/*
 * Every sent key whose count grew since the last scan: @fn(key, new
 * repeats, all occurrences). Returns the number of keys that grew.
 */
int mw_repeats_scan(struct mw_repeats *t, struct modwatch_bpf *skel, mw_repeat_fn fn, void *ctx)
{
	int fd = bpf_map__fd(skel->maps.mw_dedup), n = 0;
	struct mw_dedup_key key, next, *prev = NULL;
	struct mw_dedup_val v;
	__u64 more;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) || !(v.flags & MW_DEDUP_SENT) || !v.count)
			continue;
		more = grown(t, &key, v.count);
		if (!more)
			continue;
		fn(ctx, &key, more, v.count);
		n++;
	}
	return n;
}
