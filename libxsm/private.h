/* SPDX-License-Identifier: MIT */
/* libxsm's internal interface between the core and the providers. */
#ifndef LIBXSM_PRIVATE_H
#define LIBXSM_PRIVATE_H

#include <libxsm/xsm.h>

#ifdef HVCORE_XSM_FLASK
/**
 * Starts FLASK without a policy (every check passes until one loads, with
 * `flask_load_policy`); `enforcing` is the initial mode.  -ENOMEM.
 */
int __must_check flask_init(bool enforcing);
/** Frees every FLASK structure; the next `flask_init` starts afresh. */
void flask_fini(void);
/** FLASK's part of `xsm_check`. */
int __must_check flask_check(void);
long flask_do_xsm_op(struct domain *cur, uint64_t op);
/** True while FLASK is the provider in force (between init and fini). */
bool xsm_flask_in_force(void);
/* FLASK's self-tests (flask/selftest.c), listed by selftest.c. */
int flask_selftest_builtin_policy(void);
int flask_selftest_rejects_bad_images(void);
#endif

#endif /* LIBXSM_PRIVATE_H */
