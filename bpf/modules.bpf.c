// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle hook (raw_tp flavour, as the kmem hooks): unpacks the
 * module's name and hands it to the rule in modules.bpf.h; the unit tests
 * drive the same rule through their own entry (tests.bpf.c).
 */
#include "modules.bpf.h"


SEC("raw_tp/module_free")
int BPF_PROG(mw_module_free, struct module *mod)
{
	struct mw_module_key key = {};

	if (BPF_CORE_READ_STR_INTO(&key.name, mod, name) <= 0)
		return 0;
	mw_module_gone(ctx, &key);
	return 0;
}

/*
 * Any module's load, so that a module named or matched by a glob is watched
 * as soon as it is there, not at the next poll of /proc/modules. Fires once
 * the module's sections are in sysfs and before its init function runs.
 */
SEC("raw_tp/module_load")
int BPF_PROG(mw_module_load, struct module *mod)
{
	struct mw_module_key key = {};

	if (BPF_CORE_READ_STR_INTO(&key.name, mod, name) <= 0)
		return 0;
	mw_module_load_record(&key);
	return 0;
}
