// SPDX-License-Identifier: GPL-2.0
/*
 * modwatch --version: what a bug report needs to name the build, as
 * bpftool -V does: the version, the git commit it was built from (baked in
 * by the Makefile: "unknown" outside git), the libraries linked in, as they
 * say themselves, and the features they bring.
 */
#include <stdio.h>
#include <bpf/libbpf.h>
#include <capstone/capstone.h>
#include <elfutils/libdwfl.h>
#include <event2/event.h>
#include <json-c/json_c_version.h>
#include "modwatch.h"
#include "build_commit.h"
#include "cli/version.h"

void mw_print_version(void)
{
	int major, minor;

	printf("modwatch %s\n", MODWATCH_VERSION);
	printf("commit: %s\n", MODWATCH_COMMIT);
	printf("libbpf: v%u.%u\n", libbpf_major_version(), libbpf_minor_version());
	printf("libelf/libdw: elfutils %s\n", dwfl_version(NULL));
	cs_version(&major, &minor);
	printf("capstone: %d.%d\n", major, minor);
	printf("libevent: %s\n", event_get_version());
	printf("json-c: %s\n", json_c_version());
	printf("features: deep (capstone x86-64 decoding), metrics (libevent HTTP), journal, "
	       "debuginfod (libdw, with DEBUGINFOD_URLS), static\n");
}
