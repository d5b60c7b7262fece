/* SPDX-License-Identifier: GPL-2.0 */
/* The session's status file in the runtime folder, what `modwatch status` reads. */
#ifndef MODWATCH_SESSION_STATUS_H
#define MODWATCH_SESSION_STATUS_H

#include <stddef.h>

struct session;

#define MW_STATUS_FILE "status.json"

/* The status file's path (in mw_runtime_dir()) into @buf: 0 or -ENAMETOOLONG. */
int mw_status_path(char *buf, size_t len);
/* Write it now (temporary file, then rename); a failure is a warning, said once. */
void session_write_status(const struct session *s);
/* Remove it: the session ends cleanly. */
void session_remove_status(void);

#endif /* MODWATCH_SESSION_STATUS_H */
