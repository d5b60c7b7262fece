/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --color=auto|always|never: whether text for people (the KASAN layout's
 * headline) gets ANSI colour. auto, the default: only on a terminal, and
 * not when NO_COLOR is set (https://no-color.org) or TERM is "dumb".
 */
#ifndef MODWATCH_LIB_COLOR_H
#define MODWATCH_LIB_COLOR_H

#include <stdbool.h>

enum mw_color {
	MW_COLOR_AUTO,
	MW_COLOR_ALWAYS,
	MW_COLOR_NEVER,
};
extern enum mw_color mw_color_mode;

/* Whether what goes to @fd is coloured, by mw_color_mode. */
bool mw_color_on(int fd);
/* @arg's mode (NULL, as a bare --color: always), or -EINVAL. */
int mw_color_parse(const char *arg);

#endif /* MODWATCH_LIB_COLOR_H */
