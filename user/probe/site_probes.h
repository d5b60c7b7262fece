/* SPDX-License-Identifier: GPL-2.0 */
/* kprobes on a watched module's own call instructions and entry points. */
#ifndef MODWATCH_PROBE_SITE_PROBES_H
#define MODWATCH_PROBE_SITE_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "races.h"
#include "sites.h"
#include "probe/statics.h"

struct modwatch_bpf;
struct mw_module;

struct mw_sites {
	bool used[MW_MAX_SITES];	/* slots of the mw_sites map */
	__u32 hint;
	struct mw_static_slots statics;	/* entries of the mw_statics map */
};
int mw_sites_attach(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		    const char *ko_path, bool named);
void mw_sites_detach(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		     bool background);
void mw_sites_wait(void);
void mw_sites_init(struct modwatch_bpf *skel);
/*
 * The name under which the running kernel's kallsyms has @callee: its
 * MW_CALLEES name or a later one (include/sites.h), NULL if neither; @addr
 * its address (0 when kallsyms hides addresses: not root).
 */
const char *mw_callee_in_kernel(__u32 callee, __u64 *addr);
int mw_peek(struct modwatch_bpf *skel, __u64 addr, __u8 buf[16]);
/*
 * The code of @module no kprobe may go in: [@lo, @hi), from its last code
 * symbol to an unmapped page the kprobe decoder would read (site_probes.c).
 */
void mw_text_end_unsafe(struct modwatch_bpf *skel, const char *module, __u64 *lo, __u64 *hi);

#endif /* MODWATCH_PROBE_SITE_PROBES_H */
