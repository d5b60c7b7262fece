/* SPDX-License-Identifier: GPL-2.0 */
/* Watched modules and the BPF page table that names them. */
#ifndef MODWATCH_PROBE_MODULE_REGISTRY_H
#define MODWATCH_PROBE_MODULE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"
#include "registry.h"

struct modwatch_bpf;
struct mw_blind;
struct mw_static_range;
struct mw_deep_tally;
struct bpf_link;

/* A call site modwatch found but does not probe, and why. */
struct mw_unprobed {
	char func[128];
	__u64 offset;
	__u32 skip;		/* enum mw_skip (ko/ko_types.h) */
	int err;		/* -errno, for MW_SKIP_ATTACH */
};

/* Watched modules and the BPF page table that names them. */
struct mw_module {
	char name[64];
	__u32 id;
	__u64 text_lo, text_hi;	/* [lo, hi) */
	bool loaded;
	__u64 counts[MW_KIND_NR];	/* violations reported, for the summary */
	__u64 repeats[MW_KIND_NR];	/* and their repeats, counted but not reported */
	__u64 warnings[MW_KIND_NR];	/* of counts[], those of severity warning */
	/* call-site probes (site_probes.c) */
	char ko[256];		/* the .ko they came from */
	__u32 nr_sites;		/* calls to callees of interest found in it */
	__u32 nr_probes;	/* kprobes attached: links[] */
	__u32 nr_slots;		/* their sites' slots[] in mw_sites */
	__u32 nr_entries;	/* entry points in its .ko (struct mw_call) */
	__u32 probed_entries;	/* of them, probed (their slots are in slots[] too) */
	__u32 nr_unprobed;	/* sites of probed callees left alone: unprobed[] */
	__u32 nr_noret;		/* acquires probed at the call only: ownership settles later */
	bool unseen_vfree;	/* a vfree()/kvfree() site of it is not probed */
	__u32 nr_static_locks;	/* static locks found in the .ko, checked at unload */
	struct bpf_link **links;
	__u32 *slots;
	struct mw_unprobed *unprobed;
	struct mw_blind *blind;	/* calls of the families modwatch does not know (ko.h) */
	__u32 nr_blind;
	/* --deep (deep_probes.c): probes on its own loads and stores */
	struct bpf_link **deep_links;
	__u32 *deep_slots;	/* their mw_access_descs entries */
	__u32 nr_deep;		/* probes attached */
	__u32 deep_found;	/* loads and stores of its .ko --deep would probe */
	struct mw_deep_tally *deep;	/* and the rest of what it found, NULL without --deep */
	/* writable static objects (statics.c): mw_statics[static_first, + nr_statics) */
	__u32 static_first;
	__u32 nr_statics;
	struct mw_static_range *statics;	/* theirs, by address */
};

struct mw_registry {
	struct mw_module mods[MW_MAX_MODULES];
	__u32 nr;		/* ids 1..nr are mods[0..nr-1] */
	int pages_fd;		/* the mw_pages map */
	int ids_fd;		/* the mw_module_ids map */
	__u64 *watch_lo, *watch_hi;	/* in the skeleton's .bss */
};
void mw_registry_init(struct mw_registry *r, struct modwatch_bpf *skel);
int mw_registry_add_loaded(struct mw_registry *r, const char *name);
int mw_registry_add_all(struct mw_registry *r);
int mw_registry_add_range(struct mw_registry *r, const char *name, __u64 lo, __u64 hi);
struct mw_module *mw_registry_module(struct mw_registry *r, __u32 id);
void mw_registry_remove(struct mw_registry *r, struct mw_module *m);
void mw_registry_key(const char *name, struct mw_module_key *key);
int mw_registry_loaded_names(char (**names)[64]);
bool mw_registry_loaded(const char *name);
/* A module's name as the kernel spells it: '_' where modprobe accepts '-'. */
void mw_module_name(char *dst, const char *src, size_t len);
const char *mw_registry_name(struct mw_registry *r, __u32 id);

#endif /* MODWATCH_PROBE_MODULE_REGISTRY_H */
