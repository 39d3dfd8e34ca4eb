/* SPDX-License-Identifier: MIT */
/*
 * Security contexts: comparison, MLS level order, and conversion to and
 * from `user:role:type[:range]` strings (categories written as libsepol
 * writes them: runs of three or more as `c0.c2`, shorter ones with `,`).
 */
#include <common/string.h>

#include "flask_private.h"

/** True if the levels are equal. */
bool mls_level_eq(const struct mls_level *a, const struct mls_level *b)
{
    return a->sens == b->sens && !memcmp(a->cat, b->cat, sizeof(a->cat));
}

/** True if `a` dominates `b`: higher or equal sensitivity, superset of categories. */
bool mls_level_dom(const struct mls_level *a, const struct mls_level *b)
{
    unsigned int i;

    if ( a->sens < b->sens )
        return false;
    for ( i = 0; i < MLS_CAT_WORDS; i++ )
        if ( b->cat[i] & ~a->cat[i] )
            return false;
    return true;
}

/** True if the contexts are equal. */
bool context_eq(const struct context *a, const struct context *b)
{
    return a->user == b->user && a->role == b->role && a->type == b->type &&
           mls_level_eq(&a->range.level[0], &b->range.level[0]) &&
           mls_level_eq(&a->range.level[1], &b->range.level[1]);
}

struct outbuf {
    char *buf;
    size_t size, len;
};

static void put(struct outbuf *o, const char *s)
{
    while ( *s )
    {
        if ( o->len + 1 < o->size )
            o->buf[o->len] = *s;
        o->len++;
        s++;
    }
}

/* Ends `o` with a NUL where it fits; returns the full length without it. */
static size_t put_end(struct outbuf *o)
{
    if ( o->size )
        o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
    return o->len;
}

static bool cat_bit(const struct mls_level *l, uint32_t i)
{
    return (l->cat[i / 64] >> (i % 64)) & 1;
}

static void put_level(const struct policydb *p, struct outbuf *o,
                      const struct mls_level *l)
{
    uint32_t i, run = 0;
    bool sep = false;

    put(o, p->sens_name[l->sens - 1]);
    for ( i = 0; i <= p->ncats; i++ )
    {
        if ( i < p->ncats && cat_bit(l, i) )
        {
            if ( run++ )
                continue;
            put(o, sep ? "," : ":");
            sep = true;
            put(o, p->cat_val_name[i]);
            continue;
        }
        if ( run > 1 )
        {
            put(o, run > 2 ? "." : ",");
            put(o, p->cat_val_name[i - 1]);
        }
        run = 0;
    }
}

/** Formats `c` (valid in `p`); returns the length without the NUL. */
size_t context_to_string(const struct policydb *p, const struct context *c,
                         char *buf, size_t size)
{
    struct outbuf o = { buf, size, 0 };

    put(&o, p->users[c->user - 1].name);
    put(&o, ":");
    put(&o, p->roles[c->role - 1].name);
    put(&o, ":");
    put(&o, p->type_val_name[c->type - 1]);
    if ( p->mls )
    {
        put(&o, ":");
        put_level(p, &o, &c->range.level[0]);
        if ( !mls_level_eq(&c->range.level[0], &c->range.level[1]) )
        {
            put(&o, "-");
            put_level(p, &o, &c->range.level[1]);
        }
    }
    return put_end(&o);
}

/**
 * Writes `name` into `buf` as context_to_string writes a context (what
 * fits, NUL-terminated); returns its length without the NUL.
 */
size_t name_to_string(const char *name, char *buf, size_t size)
{
    struct outbuf o = { buf, size, 0 };

    put(&o, name);
    return put_end(&o);
}

/* Length of the token up to one of `stops` (or the end). */
static size_t token(const char *s, size_t len, const char *stops)
{
    size_t i, j;

    for ( i = 0; i < len; i++ )
        for ( j = 0; stops[j]; j++ )
            if ( s[i] == stops[j] )
                return i;
    return len;
}

/* Parses `sens[:cats]` from s[0..len). */
static int parse_level(const struct policydb *p, const char *s, size_t len,
                       struct mls_level *l)
{
    size_t n = token(s, len, ":");
    uint32_t lo, hi, c;

    memset(l, 0, sizeof(*l));
    l->sens = policydb_sens_value(p, s, n);
    if ( !l->sens || !n )
        return -EINVAL;
    if ( n == len )
        return 0;
    s += n + 1;
    len -= n + 1;
    while ( len )
    {
        n = token(s, len, ",.");
        lo = policydb_cat_value(p, s, n);
        if ( !lo || !n )
            return -EINVAL;
        hi = lo;
        s += n;
        len -= n;
        if ( len && *s == '.' )
        {
            n = token(s + 1, len - 1, ",");
            hi = policydb_cat_value(p, s + 1, n);
            if ( !hi || hi < lo || !n )
                return -EINVAL;
            s += n + 1;
            len -= n + 1;
        }
        for ( c = lo; c <= hi; c++ )
            l->cat[(c - 1) / 64] |= 1ULL << ((c - 1) % 64);
        if ( len )
        {
            if ( *s != ',' || len == 1 )
                return -EINVAL;
            s++;
            len--;
        }
    }
    return 0;
}

/**
 * Parses `user:role:type` (plus `:low[-high]` in an MLS policy) into `*c`.
 * A trailing NUL in `s[0..len)` is ignored.  -EINVAL unless the context
 * is valid in `p`.
 */
int context_from_string(const struct policydb *p, const char *s, size_t len,
                        struct context *c)
{
    size_t n;
    int rc;

    memset(c, 0, sizeof(*c));
    while ( len && s[len - 1] == '\0' )
        len--;
    for ( n = 0; n < len; n++ )
        if ( s[n] == '\0' )
            return -EINVAL;
    n = token(s, len, ":");
    if ( n == len || !(c->user = policydb_user_value(p, s, n)) )
        return -EINVAL;
    s += n + 1;
    len -= n + 1;
    n = token(s, len, ":");
    if ( n == len || !(c->role = policydb_role_value(p, s, n)) )
        return -EINVAL;
    s += n + 1;
    len -= n + 1;
    n = token(s, len, ":");
    c->type = policydb_type_value(p, s, n);
    if ( !c->type || p->type_is_attr[c->type - 1] )
        return -EINVAL;
    s += n;
    len -= n;
    if ( p->mls )
    {
        if ( !len )
            return -EINVAL;
        s++;
        len--;
        n = token(s, len, "-");
        if ( (rc = parse_level(p, s, n, &c->range.level[0])) )
            return rc;
        if ( n == len )
            c->range.level[1] = c->range.level[0];
        else if ( (rc = parse_level(p, s + n + 1, len - n - 1,
                                    &c->range.level[1])) )
            return rc;
    }
    else if ( len )
        return -EINVAL;
    return policydb_context_isvalid(p, c) ? 0 : -EINVAL;
}
