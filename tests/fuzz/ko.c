// SPDX-License-Identifier: GPL-2.0
/*
 * The .ko reader, fed hostile files: mw_ko_read() (sections, symbols,
 * relocations: the call sites, entry points and what the kernel refuses to
 * probe) and mw_ko_accesses() (--deep: each function's loads and stores,
 * decoded). Either may refuse a file, with one line on stderr; neither may
 * crash, leak or trip a sanitizer.
 *
 * Compressed input (xz, zstd, gzip magic) is skipped: the decompressor is
 * another program, spawned for each file, and what it hands back is a plain
 * ELF, which this target covers directly.
 */
#include <string.h>
#include "ko/accesses.h"
#include "ko/ko.h"
#include "fuzz.h"

static const uint8_t *const compressed[] = {
	(const uint8_t *)"\xfd" "7zXZ", (const uint8_t *)"\x28\xb5\x2f\xfd",
	(const uint8_t *)"\x1f\x8b",
};
static const size_t compressed_len[] = { 5, 4, 2 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_accesses a;
	struct mw_ko ko;
	const char *path;
	size_t i;

	for (i = 0; i < sizeof(compressed) / sizeof(compressed[0]); i++)
		if (size >= compressed_len[i] && !memcmp(data, compressed[i], compressed_len[i]))
			return -1;	/* not added to the corpus */
	path = fz_input_file(data, size);
	if (!mw_ko_read(path, &ko))
		mw_ko_free(&ko);
	mw_ko_accesses(path, NULL, 0, &a);
	mw_accesses_free(&a);
	return 0;
}
