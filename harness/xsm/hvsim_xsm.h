/* SPDX-License-Identifier: MIT */
/* The `hvsim xsm` subcommand (harness/xsm/hvsim_xsm.c). */
#ifndef HARNESS_XSM_HVSIM_XSM_H
#define HARNESS_XSM_HVSIM_XSM_H

#include <stddef.h>

/**
 * hvsim xsm compute-av --policy FILE SCONTEXT TCONTEXT CLASS
 *     prints the allowed permission names, one per line;
 * hvsim xsm compute-create --policy FILE SCONTEXT TCONTEXT CLASS
 *     prints the new object's context;
 * hvsim xsm diff [--policy FILE] EXPECTED
 *     compares every line of a `xsm_sepol_dump` output with hvcore.
 * Without --policy, the built-in default policy.  Returns 0 on success,
 * 2 on a usage error (one line on stderr), 1 otherwise.
 */
int hvsim_xsm_main(int argc, char **argv);

/**
 * Reads the policy file at `path` into a buffer from malloc (`*size`
 * bytes; the caller frees it), for the tests.  NULL, with a message, when
 * the file cannot be read or is empty.
 */
void *xsm_read_policy(const char *path, size_t *size);

#endif /* HARNESS_XSM_HVSIM_XSM_H */
