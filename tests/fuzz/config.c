// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file and the options it spells (cli/config.c's reader,
 * cli/options.c's parsers): `modwatch --config FILE`, then what the options
 * give together (mw_opts_finish()). A bad line is one error line naming
 * FILE:LINE; nothing may crash, leak or trip a sanitizer.
 */
#include <getopt.h>
#include <stdlib.h>
#include "cli/options.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { (char *)"modwatch", (char *)"--config", NULL, NULL };
	struct mw_run_opts *o;

	argv[2] = (char *)fz_input_file(data, size);
	if (mw_opts_new(&o))
		abort();
	optind = 0;	/* getopt starts over */
	if (!mw_opts_parse(3, argv, o))
		mw_opts_finish(o);
	mw_opts_free(o);
	return 0;
}
