/* SPDX-License-Identifier: GPL-2.0 */
/* A .ko's call sites and entry points from its relocations, and what the kernel would refuse. */
#ifndef MODWATCH_KO_CALLSITES_H
#define MODWATCH_KO_CALLSITES_H

#include "ko/reader.h"

/* callsites.c: the sites and entry points, what the kernel would refuse, the blind spots. */
int ko_scan_relocs(struct ko_reader *r);
void ko_classify(const struct ko_reader *r);
int ko_collect_blind(struct ko_reader *r);

#endif /* MODWATCH_KO_CALLSITES_H */
