// SPDX-License-Identifier: GPL-2.0
/* --color: whether text for people gets ANSI colour (lib/color.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/color.h"

enum mw_color mw_color_mode = MW_COLOR_AUTO;

bool mw_color_on(int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (mw_color_mode != MW_COLOR_AUTO)
		return mw_color_mode == MW_COLOR_ALWAYS;
	return isatty(fd) && !(no && *no) && !(term && !strcmp(term, "dumb"));
}

int mw_color_parse(const char *arg)
{
	static const char *const names[] = {
		[MW_COLOR_AUTO] = "auto", [MW_COLOR_ALWAYS] = "always", [MW_COLOR_NEVER] = "never",
	};
	int i;

	if (!arg)
		return MW_COLOR_ALWAYS;	/* as ls and grep take a bare --color */
	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -EINVAL;
}
