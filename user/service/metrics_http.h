/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics endpoint's HTTP server, on its own thread: it serves the
 * renderings last published, whatever they say.
 */
#ifndef MODWATCH_SERVICE_METRICS_HTTP_H
#define MODWATCH_SERVICE_METRICS_HTTP_H

#include <stddef.h>

/* "PORT" (127.0.0.1), ":PORT" (every address), "HOST:PORT", "[IPv6]:PORT" */
int mw_metrics_split(const char *listen, char *host, size_t size, unsigned int *port);
int mw_metrics_start(const char *listen);
int mw_metrics_port(void);			/* as bound (port 0: the kernel's pick) */
void mw_metrics_publish(const char *prom, size_t prom_len, const char *om, size_t om_len);
void mw_metrics_stop(void);

#endif /* MODWATCH_SERVICE_METRICS_HTTP_H */
