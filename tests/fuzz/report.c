// SPDX-License-Identifier: GPL-2.0
/*
 * `modwatch report FILE`: saved JSON lines, each checked and rendered in
 * every --format (KASAN's layout, the line text, the JSON written again),
 * as another machine's --json output arrives. A line it cannot read is one
 * FILE:LINE error; nothing may crash, leak or trip a sanitizer. The
 * rendered text goes to /dev/null.
 */
#include <stdio.h>
#include <stdlib.h>
#include "report/report_cmd.h"
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
	static const enum mw_report_form forms[] = { MW_REPORT_KASAN, MW_REPORT_LINE,
						     MW_REPORT_JSON };
	const char *path = fz_input_file(data, size);
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		mw_cmd_report(path, forms[i]);
	return 0;
}
