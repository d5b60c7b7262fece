// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file, /etc/modwatch/modwatch.conf by convention: one
 * directive per line, "KEY VALUE", KEY a long option without its "--" (so
 * the file and the command line are one language and --help documents
 * both), a flag alone on its line; '#' starts a comment. And the report
 * policy it sets beside the options: suppressions and severities.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <stdio.h>
#include "cli/config.h"
#include "lib/error.h"

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * Hand each directive of @path to @fn(ctx, key, value or NULL, line). A
 * line too long or a directive @fn rejects stops the read: 0 or -errno
 * (said, with the file and line, by whoever found the problem).
 */
int mw_config_read(const char *path, mw_config_fn fn, void *ctx)
{
	char buf[4096], *line, *key, *value, *hash;
	int nr = 0, err = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		err = -errno;
		mw_err("cannot read the configuration file %s: %s", path, strerror(errno));
		return err;
	}
	while (!err && fgets(buf, sizeof(buf), f)) {
		nr++;
		if (!strchr(buf, '\n') && !feof(f)) {
			mw_err("%s:%d: line longer than %zu characters", path, nr, sizeof(buf) - 2);
			err = -EINVAL;
			break;
		}
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		line = trim(buf);
		if (!*line)
			continue;
		key = line;
		value = key + strcspn(key, " \t=");
		if (*value) {
			*value++ = '\0';
			value = trim(value);
			if (*value == '=')	/* "key = value" too */
				value = trim(value + 1);
		}
		err = fn(ctx, key, *value ? value : NULL, nr);
	}
	if (!err && ferror(f)) {
		err = -EIO;
		mw_err("cannot read the configuration file %s: %s", path, strerror(EIO));
	}
	fclose(f);
	return err;
}

