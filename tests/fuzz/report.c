// SPDX-License-Identifier: GPL-2.0
/*
 * `modwatch report FILE`: saved JSON lines, each rendered in KASAN's
 * layout (report/kasan.c), as another machine's --json output arrives. A
 * line it cannot read is one error line; nothing may crash, leak or trip a
 * sanitizer. The rendered text goes to /dev/null.
 */
#include <stdio.h>
#include <stdlib.h>
#include "report/kasan.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mw_cmd_report(fz_input_file(data, size));
	return 0;
}
