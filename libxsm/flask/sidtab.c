/* SPDX-License-Identifier: MIT */
/*
 * The sid table: sid -> context for every sid handed out.  Sids are
 * dense (1..nel, the initial sids first), so a sid indexes the table
 * directly; context -> sid is a linear scan as in Xen's ss/sidtab.c, and a
 * miss allocates the next sid.  Entries are never removed while a policy
 * is loaded, so a sid stays meaningful; a reload converts every entry.
 *
 * Locking: `lock` guards the entries.  Callers hold the policy lock
 * (read) so the table is not swapped under them.
 */
#include <common/string.h>
#include <common/xmalloc.h>

#include "flask_private.h"

#define SIDTAB_MAX (1U << 20)

/** Starts an empty table with room for the initial sids.  -ENOMEM. */
int sidtab_init(struct sidtab *s)
{
    hal_spin_init(&s->lock);
    s->size = 64;
    s->e = xzalloc_array(struct sidtab_entry, s->size);
    if ( !s->e )
    {
        s->size = 0;
        return -ENOMEM;
    }
    s->nel = SECINITSID_NUM;
    return 0;
}

/** Frees the table. */
void sidtab_destroy(struct sidtab *s)
{
    xfree(s->e);
    s->e = NULL;
    s->nel = s->size = 0;
}

/** Sets initial sid `sid`'s context.  -EINVAL for a non-initial sid. */
int sidtab_set(struct sidtab *s, uint32_t sid, const struct context *ctx)
{
    if ( sid == 0 || sid > SECINITSID_NUM )
        return -EINVAL;
    hal_spin_lock(&s->lock);
    s->e[sid - 1].sid = sid;
    s->e[sid - 1].ctx = *ctx;
    hal_spin_unlock(&s->lock);
    return 0;
}

/** Copies `sid`'s context; false if the table has no such sid. */
bool sidtab_lookup(struct sidtab *s, uint32_t sid, struct context *ctx)
{
    bool found = false;

    hal_spin_lock(&s->lock);
    if ( sid && sid <= s->nel && s->e[sid - 1].sid == sid )
    {
        *ctx = s->e[sid - 1].ctx;
        found = true;
    }
    hal_spin_unlock(&s->lock);
    return found;
}

/**
 * Returns the sid of `ctx`, allocating the next one on a miss.
 * -ENOMEM, -ENOSPC when the table is full.
 */
int sidtab_context_to_sid(struct sidtab *s, const struct context *ctx,
                          uint32_t *sid)
{
    uint32_t i;
    int rc = 0;

    hal_spin_lock(&s->lock);
    for ( i = 0; i < s->nel; i++ )
        if ( s->e[i].sid && context_eq(&s->e[i].ctx, ctx) )
        {
            *sid = s->e[i].sid;
            goto out;
        }
    if ( s->nel == s->size )
    {
        struct sidtab_entry *e;
        uint32_t size = s->size * 2;

        if ( size > SIDTAB_MAX )
        {
            rc = -ENOSPC;
            goto out;
        }
        e = xzalloc_array(struct sidtab_entry, size);
        if ( !e )
        {
            rc = -ENOMEM;
            goto out;
        }
        memcpy(e, s->e, sizeof(*e) * s->nel);
        xfree(s->e);
        s->e = e;
        s->size = size;
    }
    s->e[s->nel].sid = s->nel + 1;
    s->e[s->nel].ctx = *ctx;
    *sid = ++s->nel;

 out:
    hal_spin_unlock(&s->lock);
    return rc;
}
