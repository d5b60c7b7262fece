/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets share: the readers under test take a path, so
 * each input is written to one scratch file, made once per process.
 */
#ifndef MODWATCH_FUZZ_H
#define MODWATCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The scratch file's path, holding @size bytes of @data; exits if it cannot be written. */
const char *fz_input_file(const uint8_t *data, size_t size);

#endif /* MODWATCH_FUZZ_H */
