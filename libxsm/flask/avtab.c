/* SPDX-License-Identifier: MIT */
/*
 * The type-enforcement rule tables (the policydb's avtab): entries keyed by
 * (source type, target type, class, kind), hashed into a power-of-two
 * number of chains.  Built once while a policy is read, then read-only.
 */
#include <common/string.h>
#include <common/xmalloc.h>

#include "flask_private.h"

static uint32_t avtab_hash(uint16_t s, uint16_t t, uint16_t c, uint32_t mask)
{
    uint32_t h = (uint32_t)s * 0x9e3779b1U;

    h ^= ((uint32_t)t << 7) ^ ((uint32_t)t * 0x85ebca6bU);
    h ^= (uint32_t)c * 0xc2b2ae35U;
    return (h ^ (h >> 15)) & mask;
}

/** Allocates a table for up to `nel` entries.  -ENOMEM, -EINVAL. */
int avtab_alloc(struct avtab *t, uint32_t nel)
{
    uint32_t buckets = 16;

    t->nel = 0;
    t->heads = NULL;
    t->e = NULL;
    if ( nel > FLASK_MAX_AVTAB )
        return -EINVAL;
    while ( buckets < nel && buckets < FLASK_MAX_AVTAB )
        buckets <<= 1;
    t->mask = buckets - 1;
    t->cap = nel ? nel : 1;
    t->heads = xzalloc_array(uint32_t, buckets);
    t->e = xzalloc_array(struct avtab_entry, t->cap);
    if ( !t->heads || !t->e )
    {
        avtab_free(t);
        return -ENOMEM;
    }
    return 0;
}

/** Frees the table. */
void avtab_free(struct avtab *t)
{
    xfree(t->heads);
    xfree(t->e);
    t->heads = NULL;
    t->e = NULL;
    t->nel = 0;
    t->cap = 0;
}

/**
 * Appends `*in`, growing the entry array when full.  A second entry with
 * the same key is -EINVAL unless `allow_dup` (conditional tables hold one
 * per branch).  Returns the entry's index in `*index`.
 */
int avtab_insert(struct avtab *t, const struct avtab_entry *in,
                 bool allow_dup, uint32_t *index)
{
    uint32_t b = avtab_hash(in->stype, in->ttype, in->tclass, t->mask);
    uint32_t i;

    if ( !allow_dup &&
         avtab_search(t, in->stype, in->ttype, in->tclass, in->specified) )
        return -EINVAL;
    if ( t->nel == t->cap )
    {
        /* Conditional tables grow as their rules are read. */
        uint32_t cap = t->cap * 2;
        struct avtab_entry *e;

        if ( cap > FLASK_MAX_AVTAB )
            return -EINVAL;
        e = xzalloc_array(struct avtab_entry, cap);
        if ( !e )
            return -ENOMEM;
        memcpy(e, t->e, sizeof(*e) * t->nel);
        xfree(t->e);
        t->e = e;
        t->cap = cap;
    }
    i = t->nel++;
    t->e[i] = *in;
    t->e[i].next = t->heads[b];
    t->heads[b] = i + 1;
    if ( index )
        *index = i;
    return 0;
}

static const struct avtab_entry *avtab_scan(const struct avtab *t,
                                            uint32_t idx, uint16_t s,
                                            uint16_t tt, uint16_t c,
                                            uint16_t specified)
{
    while ( idx )
    {
        const struct avtab_entry *e = &t->e[idx - 1];

        if ( e->stype == s && e->ttype == tt && e->tclass == c &&
             (e->specified & specified) )
            return e;
        idx = e->next;
    }
    return NULL;
}

/** First entry with the key whose kind is in `specified`, or NULL. */
const struct avtab_entry *avtab_search(const struct avtab *t, uint16_t s,
                                       uint16_t tt, uint16_t c,
                                       uint16_t specified)
{
    if ( !t->heads )
        return NULL;
    return avtab_scan(t, t->heads[avtab_hash(s, tt, c, t->mask)], s, tt, c,
                      specified);
}

/** The next entry with `e`'s key and a kind in AVTAB_AV|AVTAB_TYPE. */
const struct avtab_entry *avtab_next(const struct avtab *t,
                                     const struct avtab_entry *e)
{
    return avtab_scan(t, e->next, e->stype, e->ttype, e->tclass,
                      AVTAB_AV | AVTAB_TYPE);
}
