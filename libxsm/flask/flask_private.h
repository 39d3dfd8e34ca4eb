/* SPDX-License-Identifier: MIT */
/*
 * FLASK's internal interfaces: the policy database read from a
 * checkpolicy-compiled binary, the sid table, the security server and the
 * AVC.  Only the files of libxsm/flask include this.
 *
 * Lock order (outermost first):
 *   `flask_policy_lock` (rwlock: read for decisions, write for a load)
 *     -> `sidtab.lock` (spinlock: the sid table's entries)
 *   `avc_lock` (spinlock: AVC writers); only `avc_check` takes the policy
 *   lock under it, and nothing takes it under the policy lock.
 *   `flask_domains_lock` (spinlock: domain labels) is a leaf.
 */
#ifndef LIBXSM_FLASK_PRIVATE_H
#define LIBXSM_FLASK_PRIVATE_H

#include <common/compiler.h>
#include <common/errno.h>
#include <hal/rwlock.h>
#include <hal/spinlock.h>
#include <libxsm/xsm.h>

/* Class numbers and permission bits, from classes.h. */
#define FLASK_CLASS(name, num, ...) SECCLASS_##name = num,
enum flask_class {
#include "classes.h"
    SECCLASS_COUNT_PLUS_ONE
};
#undef FLASK_CLASS
#define SECCLASS_COUNT (SECCLASS_COUNT_PLUS_ONE - 1)

#define FLASK_PERM_ENUM_1(c, p) c##__##p##_BIT,
#define FLASK_CLASS(name, num, ...)                                         \
    enum flask_perms_##name { FLASK_FOREACH(FLASK_PERM_ENUM_1, name,        \
                                            __VA_ARGS__) };
/* A small for-each over at most 32 arguments. */
#define FLASK_FE_1(m, c, x) m(c, x)
#define FLASK_FE_2(m, c, x, ...) m(c, x) FLASK_FE_1(m, c, __VA_ARGS__)
#define FLASK_FE_3(m, c, x, ...) m(c, x) FLASK_FE_2(m, c, __VA_ARGS__)
#define FLASK_FE_4(m, c, x, ...) m(c, x) FLASK_FE_3(m, c, __VA_ARGS__)
#define FLASK_FE_5(m, c, x, ...) m(c, x) FLASK_FE_4(m, c, __VA_ARGS__)
#define FLASK_FE_6(m, c, x, ...) m(c, x) FLASK_FE_5(m, c, __VA_ARGS__)
#define FLASK_FE_7(m, c, x, ...) m(c, x) FLASK_FE_6(m, c, __VA_ARGS__)
#define FLASK_FE_8(m, c, x, ...) m(c, x) FLASK_FE_7(m, c, __VA_ARGS__)
#define FLASK_FE_9(m, c, x, ...) m(c, x) FLASK_FE_8(m, c, __VA_ARGS__)
#define FLASK_FE_10(m, c, x, ...) m(c, x) FLASK_FE_9(m, c, __VA_ARGS__)
#define FLASK_FE_11(m, c, x, ...) m(c, x) FLASK_FE_10(m, c, __VA_ARGS__)
#define FLASK_FE_12(m, c, x, ...) m(c, x) FLASK_FE_11(m, c, __VA_ARGS__)
#define FLASK_FE_13(m, c, x, ...) m(c, x) FLASK_FE_12(m, c, __VA_ARGS__)
#define FLASK_FE_14(m, c, x, ...) m(c, x) FLASK_FE_13(m, c, __VA_ARGS__)
#define FLASK_FE_15(m, c, x, ...) m(c, x) FLASK_FE_14(m, c, __VA_ARGS__)
#define FLASK_FE_16(m, c, x, ...) m(c, x) FLASK_FE_15(m, c, __VA_ARGS__)
#define FLASK_FE_17(m, c, x, ...) m(c, x) FLASK_FE_16(m, c, __VA_ARGS__)
#define FLASK_FE_18(m, c, x, ...) m(c, x) FLASK_FE_17(m, c, __VA_ARGS__)
#define FLASK_FE_19(m, c, x, ...) m(c, x) FLASK_FE_18(m, c, __VA_ARGS__)
#define FLASK_FE_20(m, c, x, ...) m(c, x) FLASK_FE_19(m, c, __VA_ARGS__)
#define FLASK_FE_21(m, c, x, ...) m(c, x) FLASK_FE_20(m, c, __VA_ARGS__)
#define FLASK_FE_22(m, c, x, ...) m(c, x) FLASK_FE_21(m, c, __VA_ARGS__)
#define FLASK_FE_23(m, c, x, ...) m(c, x) FLASK_FE_22(m, c, __VA_ARGS__)
#define FLASK_FE_24(m, c, x, ...) m(c, x) FLASK_FE_23(m, c, __VA_ARGS__)
#define FLASK_FE_25(m, c, x, ...) m(c, x) FLASK_FE_24(m, c, __VA_ARGS__)
#define FLASK_FE_26(m, c, x, ...) m(c, x) FLASK_FE_25(m, c, __VA_ARGS__)
#define FLASK_FE_27(m, c, x, ...) m(c, x) FLASK_FE_26(m, c, __VA_ARGS__)
#define FLASK_FE_28(m, c, x, ...) m(c, x) FLASK_FE_27(m, c, __VA_ARGS__)
#define FLASK_FE_29(m, c, x, ...) m(c, x) FLASK_FE_28(m, c, __VA_ARGS__)
#define FLASK_FE_30(m, c, x, ...) m(c, x) FLASK_FE_29(m, c, __VA_ARGS__)
#define FLASK_FE_31(m, c, x, ...) m(c, x) FLASK_FE_30(m, c, __VA_ARGS__)
#define FLASK_FE_32(m, c, x, ...) m(c, x) FLASK_FE_31(m, c, __VA_ARGS__)
#define FLASK_FE_N(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13,  \
                   _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24,   \
                   _25, _26, _27, _28, _29, _30, _31, _32, N, ...) N
#define FLASK_FOREACH(m, c, ...)                                            \
    FLASK_FE_N(__VA_ARGS__, FLASK_FE_32, FLASK_FE_31, FLASK_FE_30,          \
               FLASK_FE_29, FLASK_FE_28, FLASK_FE_27, FLASK_FE_26,          \
               FLASK_FE_25, FLASK_FE_24, FLASK_FE_23, FLASK_FE_22,          \
               FLASK_FE_21, FLASK_FE_20, FLASK_FE_19, FLASK_FE_18,          \
               FLASK_FE_17, FLASK_FE_16, FLASK_FE_15, FLASK_FE_14,          \
               FLASK_FE_13, FLASK_FE_12, FLASK_FE_11, FLASK_FE_10,          \
               FLASK_FE_9, FLASK_FE_8, FLASK_FE_7, FLASK_FE_6, FLASK_FE_5,  \
               FLASK_FE_4, FLASK_FE_3, FLASK_FE_2, FLASK_FE_1)              \
    (m, c, __VA_ARGS__)
#include "classes.h"
#undef FLASK_CLASS

#define FLASK_PERM(c, p) (1U << c##__##p##_BIT)
#define EVENT__BIND FLASK_PERM(event, bind)
#define EVENT__SEND FLASK_PERM(event, send)
#define EVENT__STATUS FLASK_PERM(event, status)
#define EVENT__CREATE FLASK_PERM(event, create)
#define EVENT__RESET FLASK_PERM(event, reset)

/* Initial sids (policy/initial_sids order, Xen's numbers). */
enum {
    SECINITSID_XENBOOT = 1,
    SECINITSID_XEN,
    SECINITSID_DOM0,
    SECINITSID_DOMIO,
    SECINITSID_DOMXEN,
    SECINITSID_UNLABELED,
    SECINITSID_SECURITY,
    SECINITSID_IOPORT,
    SECINITSID_IOMEM,
    SECINITSID_IRQ,
    SECINITSID_DEVICE,
    SECINITSID_DOMU,
    SECINITSID_DOMDM,
    SECINITSID_NUM = SECINITSID_DOMDM,
};
#define SECSID_NULL 0

/* What the compiled-in class table says, for the loader's check. */
struct flask_class_def {
    const char *name;
    unsigned int nperms;
    const char *const *perms;
};
extern const struct flask_class_def flask_class_defs[SECCLASS_COUNT];

/* --- ebitmap.c: flat bitmaps read from the policy's ebitmaps. --- */

/* Bounds on what a policy may declare (hostile input). */
#define FLASK_MAX_SYMS 65536     /* types, roles, users, booleans ... */
#define FLASK_MAX_CATS 1024      /* MLS categories */
#define FLASK_MAX_SENS 256       /* MLS sensitivities */
#define FLASK_MAX_NAME 256       /* a symbol's name */
#define FLASK_MAX_AVTAB (1U << 20)
#define FLASK_MAX_LIST (1U << 16) /* constraints, role/range transitions */
#define FLASK_CEXPR_MAXDEPTH 5
#define FLASK_COND_MAXDEPTH 10
#define FLASK_POLICY_MAX_SIZE (64U << 20)  /* Xen's FLASK_LOAD limit */
/* The newest policy version the loader takes (30: Xen's device-tree labels). */
#define POLICYDB_VERSION_MAX 30

struct ebitmap {
    uint32_t nbits;   /* a multiple of 64 */
    uint64_t *w;      /* nbits / 64 words; NULL when nbits is 0 */
};

bool ebitmap_get(const struct ebitmap *e, uint32_t bit);
void ebitmap_free(struct ebitmap *e);

/* A bounded reader over the policy image. */
struct flask_reader {
    const uint8_t *p;
    size_t left;
};

int __must_check flask_read_u32(struct flask_reader *r, uint32_t *v);
int __must_check flask_read_u64(struct flask_reader *r, uint64_t *v);
int __must_check flask_read_bytes(struct flask_reader *r, void *dst, size_t n);
int __must_check flask_skip(struct flask_reader *r, size_t n);
/** Reads an ebitmap of at most `max_bits` bits (-EINVAL beyond). */
int __must_check ebitmap_read(struct ebitmap *e, struct flask_reader *r,
                              uint32_t max_bits);

/* --- policydb.c --- */

#define MLS_CAT_WORDS (FLASK_MAX_CATS / 64)
struct mls_level {
    uint32_t sens;                 /* 0 in a non-MLS policy */
    uint64_t cat[MLS_CAT_WORDS];
};
struct mls_range {
    struct mls_level level[2];     /* low, high */
};
struct context {
    uint32_t user, role, type;
    struct mls_range range;
};

struct perm_table {
    uint32_t nprim;
    char **name;                   /* [nprim], by value - 1 */
};

struct cexpr {
    uint32_t type, attr, op;
    struct ebitmap names;
};
#define CEXPR_NOT 1
#define CEXPR_AND 2
#define CEXPR_OR 3
#define CEXPR_ATTR 4
#define CEXPR_NAMES 5
#define CEXPR_USER 1
#define CEXPR_ROLE 2
#define CEXPR_TYPE 4
#define CEXPR_TARGET 8
#define CEXPR_XTARGET 16
#define CEXPR_L1L2 32
#define CEXPR_L1H2 64
#define CEXPR_H1L2 128
#define CEXPR_H1H2 256
#define CEXPR_L1H1 512
#define CEXPR_L2H2 1024
#define CEXPR_EQ 1
#define CEXPR_NEQ 2
#define CEXPR_DOM 3
#define CEXPR_DOMBY 4
#define CEXPR_INCOMP 5

struct constraint {
    uint32_t perms;
    uint32_t nexpr;
    struct cexpr *expr;
};

struct class_datum {
    char *name;
    struct perm_table perms;       /* common's and the class's, by value */
    uint32_t ncons;
    struct constraint *cons;
    uint32_t default_user, default_role, default_range, default_type;
};

struct role_datum {
    char *name;
    struct ebitmap dominates, types;
};

#define TYPE_PROP_PRIMARY 1
#define TYPE_PROP_ATTRIBUTE 2
struct type_name {
    char *name;
    uint32_t value;
    uint32_t props;
};

struct user_datum {
    char *name;
    struct ebitmap roles;
    struct mls_range range;
};

struct bool_datum {
    char *name;
    uint32_t state;                /* in force */
    uint32_t pending;              /* FLASK_SETBOOL's, until committed */
};

struct avtab_entry {
    uint16_t stype, ttype, tclass, specified;
    uint32_t data;
    uint32_t next;                 /* chain index + 1, 0 ends */
    bool enabled;                  /* conditional entries: branch in force */
};
#define AVTAB_ALLOWED 0x0001
#define AVTAB_AUDITALLOW 0x0002
#define AVTAB_AUDITDENY 0x0004
#define AVTAB_AV (AVTAB_ALLOWED | AVTAB_AUDITALLOW | AVTAB_AUDITDENY)
#define AVTAB_TRANSITION 0x0010
#define AVTAB_MEMBER 0x0020
#define AVTAB_CHANGE 0x0040
#define AVTAB_TYPE (AVTAB_TRANSITION | AVTAB_MEMBER | AVTAB_CHANGE)
#define AVTAB_XPERMS 0x0700
#define AVTAB_ENABLED 0x8000

struct avtab {
    uint32_t nel;
    uint32_t cap;                  /* entries allocated */
    uint32_t mask;                 /* buckets - 1 */
    uint32_t *heads;               /* entry index + 1 */
    struct avtab_entry *e;
};

struct cond_expr {
    uint32_t type, boolean;
};
struct cond_node {
    uint32_t nexpr;
    struct cond_expr *expr;
    uint32_t ntrue, nfalse;
    uint32_t *true_list, *false_list;   /* indices into `cond_avtab` */
};

struct role_trans {
    uint32_t role, type, new_role, tclass;
};
struct range_trans {
    uint32_t stype, ttype, tclass;
    struct mls_range range;
};
struct isid {
    uint32_t sid;
    struct context ctx;
};

struct policydb {
    uint32_t version;
    bool mls;
    uint32_t handle_unknown;
    struct ebitmap permissive;
    uint32_t nclasses, nroles, ntypes, nusers, nbools, nsens, ncats;
    struct class_datum *classes;   /* by value - 1 */
    struct role_datum *roles;
    uint32_t ntype_names;          /* primaries, aliases and attributes */
    struct type_name *type_names;
    char **type_val_name;          /* primary name by value - 1 */
    bool *type_is_attr;            /* by value - 1 */
    struct user_datum *users;
    struct bool_datum *bools;
    char **sens_name;              /* by sensitivity value - 1 */
    struct mls_level *sens_levels; /* categories each sensitivity allows */
    uint32_t nsens_names;
    struct type_name *sens_names;  /* sensitivity names incl. aliases */
    uint32_t ncat_names;
    struct type_name *cat_names;
    char **cat_val_name;
    struct avtab te;
    struct avtab te_cond;
    uint32_t ncond;
    struct cond_node *cond;
    uint32_t nrole_trans;
    struct role_trans *role_trans;
    uint32_t nrange_trans;
    struct range_trans *range_trans;
    uint32_t nisids;
    struct isid *isids;
    struct ebitmap *type_attr;     /* [ntypes]: attributes of each type */
};

/**
 * Parses a binary policy into `*p`.  Every count, length and index is
 * bounded; -EINVAL for any malformed or unsupported input (version not
 * 24..30, wrong target, class set different from `flask_class_defs`),
 * -ENOMEM.  On error nothing is left allocated.
 */
int __must_check policydb_read(struct policydb *p, const void *data,
                               size_t size);
void policydb_destroy(struct policydb *p);
bool policydb_context_isvalid(const struct policydb *p,
                              const struct context *c);
/** Puts the conditional rules the booleans' states select in force. */
void policydb_cond_update(struct policydb *p);
/** Looks up a type/role/user/boolean/class by name: value, or 0. */
uint32_t policydb_type_value(const struct policydb *p, const char *name,
                             size_t len);
uint32_t policydb_role_value(const struct policydb *p, const char *name,
                             size_t len);
uint32_t policydb_user_value(const struct policydb *p, const char *name,
                             size_t len);
uint32_t policydb_bool_value(const struct policydb *p, const char *name,
                             size_t len);
uint32_t policydb_class_value(const struct policydb *p, const char *name);
uint32_t policydb_sens_value(const struct policydb *p, const char *name,
                             size_t len);
uint32_t policydb_cat_value(const struct policydb *p, const char *name,
                            size_t len);

/* --- avtab.c --- */
int __must_check avtab_alloc(struct avtab *t, uint32_t nel);
void avtab_free(struct avtab *t);
/** Inserts a read entry; -EINVAL on a duplicate (corrupt policy). */
int __must_check avtab_insert(struct avtab *t, const struct avtab_entry *e,
                              bool allow_dup, uint32_t *index);
/** Returns the first entry for the key, then the next with `next`. */
const struct avtab_entry *avtab_search(const struct avtab *t, uint16_t s,
                                       uint16_t tt, uint16_t c,
                                       uint16_t specified);
const struct avtab_entry *avtab_next(const struct avtab *t,
                                     const struct avtab_entry *e);

/* --- mls.c / context helpers --- */
bool mls_level_eq(const struct mls_level *a, const struct mls_level *b);
bool mls_level_dom(const struct mls_level *a, const struct mls_level *b);
bool context_eq(const struct context *a, const struct context *b);
/** Formats `c` into `buf` (NUL-terminated if size > 0); returns length. */
size_t context_to_string(const struct policydb *p, const struct context *c,
                         char *buf, size_t size);
/** Writes `name` into `buf` the same way; returns its length. */
size_t name_to_string(const char *name, char *buf, size_t size);
/** Parses `user:role:type[:range]`; -EINVAL unless valid in `p`. */
int __must_check context_from_string(const struct policydb *p,
                                     const char *s, size_t len,
                                     struct context *c);

/* --- sidtab.c --- */
struct sidtab_entry {
    uint32_t sid;
    struct context ctx;
};
struct sidtab {
    hal_spinlock_t lock;
    uint32_t nel;                  /* entries in use: sids 1..nel */
    uint32_t size;                 /* allocated */
    struct sidtab_entry *e;        /* [size], index sid - 1 */
};
int __must_check sidtab_init(struct sidtab *s);
void sidtab_destroy(struct sidtab *s);
/** Sets initial sid `sid` (1..SECINITSID_NUM) to `ctx`. */
int __must_check sidtab_set(struct sidtab *s, uint32_t sid,
                            const struct context *ctx);
/** Copies the context of `sid` to `*ctx`; false if unknown. */
bool sidtab_lookup(struct sidtab *s, uint32_t sid, struct context *ctx);
/** Finds or allocates the sid of `ctx`. */
int __must_check sidtab_context_to_sid(struct sidtab *s,
                                       const struct context *ctx,
                                       uint32_t *sid);

/* --- services.c: the security server --- */
struct av_decision {
    uint32_t allowed, auditallow, auditdeny, seqno;
    uint32_t flags;
};
#define AVD_FLAGS_PERMISSIVE 1

extern bool flask_enforcing;
extern bool flask_policy_loaded;

int __must_check security_load_policy(const void *data, size_t size);
int __must_check security_compute_av(uint32_t ssid, uint32_t tsid,
                                     uint16_t tclass,
                                     struct av_decision *avd);
int __must_check security_transition_sid(uint32_t ssid, uint32_t tsid,
                                         uint16_t tclass, uint32_t *out);
/** CREATE, RELABEL, MEMBER: `specified` AVTAB_TRANSITION, _CHANGE, _MEMBER. */
int __must_check security_compute_sid(uint32_t ssid, uint32_t tsid,
                                      uint16_t tclass, uint16_t specified,
                                      uint32_t *out);
int __must_check security_context_to_sid(const char *s, size_t len,
                                         uint32_t *sid);
/*
 * Booleans (FLASK_GETBOOL, SETBOOL, COMMITBOOLS), numbered from 0: by
 * `*id`, or by `name` (`len` bytes) when it is not NULL.
 */
int __must_check security_get_bool(uint32_t *id, const char *name,
                                   size_t len, bool *cur, bool *pending,
                                   char *out, size_t *out_len);
int __must_check security_set_bool(uint32_t *id, const char *name,
                                   size_t len, bool value, bool commit,
                                   bool *cur, bool *pending);
void security_commit_bools(void);
/** Formats `sid`'s context; returns its length (incl. NUL) or -EINVAL. */
int security_sid_to_context(uint32_t sid, char *buf, size_t size);
uint32_t security_policy_seqno(void);
bool security_mls_enabled(void);
/** Names permission bit `bit` of `tclass` in the loaded policy. */
const char *security_perm_name(uint16_t tclass, unsigned int bit);
const char *security_class_name(uint16_t tclass);
void security_fini(void);
int __must_check security_check(void);

/* --- avc.c --- */
#define AVC_CACHE_SLOTS 512
#define AVC_CACHE_THRESHOLD 512
#define AVC_CACHE_RECLAIM 16

struct avc_stats {
    uint64_t lookups, hits, misses, allocations, reclaims, frees;
};

int __must_check avc_init(void);
void avc_fini(void);
/**
 * Checks `requested` permissions of `ssid` on `tsid` in `tclass`: 0, or
 * -EACCES when denied in enforcing mode.  Denials are audited.
 */
int __must_check avc_has_perm(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                              uint32_t requested);
/** Makes cached decisions older than `seqno` stop matching (no flush). */
void avc_set_latest(uint32_t seqno);
/** Flushes every node and records `seqno` as the latest policy. */
void avc_ss_reset(uint32_t seqno);
void avc_get_stats(struct avc_stats *out);
/** One CPU's statistics (FLASK_AVC_CACHESTATS). */
void avc_get_cpu_stats(unsigned int cpu, struct avc_stats *out);
void avc_get_hash_stats(uint32_t *entries, uint32_t *used,
                        uint32_t *max_chain);
int __must_check avc_check(void);

/* --- hooks.c --- */
int __must_check flask_domain_check(void);

#endif /* LIBXSM_FLASK_PRIVATE_H */
