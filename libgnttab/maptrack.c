/* SPDX-License-Identifier: MIT */
/*
 * The maptrack: each mapping domain's record of the grants it maps, one
 * entry per handle (reference/gnttab.md §2 "Maptrack").
 *
 * Free handles sit on per-vCPU lists linked through `ref`, each under its
 * own lock (the innermost lock).  A vCPU with an empty list grows the
 * maptrack by a page under `maptrack_lock` and keeps the new entries; at
 * the limit it steals one entry from another vCPU, starting after itself,
 * and re-homes it (XSA-228).  A new page is published before the limit
 * that makes its handles valid (page, barrier, limit: XSA-218).
 */
#include <common/string.h>
#include <common/xmalloc.h>
#include <hal/cpu.h>

#include "private.h"

/** See private.h.  -ENOMEM. */
int gnttab_maptrack_init(struct grant_table *gt, unsigned int nr_vcpus)
{
    unsigned int i;

    gt->maptrack = xzalloc_array(struct grant_mapping *,
                                 gt->max_maptrack_pages);
    gt->mt_vcpu = xzalloc_array(struct maptrack_vcpu, nr_vcpus);
    if ( !gt->maptrack || !gt->mt_vcpu )
    {
        xfree(gt->maptrack);
        xfree(gt->mt_vcpu);
        gt->maptrack = NULL;
        gt->mt_vcpu = NULL;
        return -ENOMEM;
    }
    gt->nr_vcpus = nr_vcpus;
    for ( i = 0; i < nr_vcpus; i++ )
    {
        hal_spin_init(&gt->mt_vcpu[i].lock);
        gt->mt_vcpu[i].head = MAPTRACK_TAIL;
    }
    return 0;
}

/** See private.h.  Every handle must be free. */
void gnttab_maptrack_free(struct grant_table *gt)
{
    unsigned int i;

    for ( i = 0; i < gt->maptrack_pages; i++ )
        free_xenheap_page(gt->maptrack[i]);
    xfree(gt->maptrack);
    xfree(gt->mt_vcpu);
    gt->maptrack = NULL;
    gt->mt_vcpu = NULL;
    gt->maptrack_pages = 0;
    gt->maptrack_limit = 0;
}

/**
 * The free list of `vcpu`, a vCPU id a maptrack entry or a caller gave: an
 * id past the table's vCPUs (never expected) falls back to vCPU 0's.
 */
static struct maptrack_vcpu *maptrack_list(struct grant_table *gt,
                                           unsigned int vcpu)
{
    return &gt->mt_vcpu[vcpu < gt->nr_vcpus ? vcpu : 0];
}

/** Pops a handle from `vcpu`'s list, or returns MAPTRACK_TAIL. */
static uint32_t pop_free(struct grant_table *gt, unsigned int vcpu)
{
    grant_handle_t h;

    return gnttab_maptrack_take(gt, vcpu, &h, 1) ? h : MAPTRACK_TAIL;
}

/** See private.h. */
long gnttab_get_maptrack_handle(struct grant_table *gt, unsigned int vcpu)
{
    struct grant_mapping *pg;
    unsigned int i, base, k;
    uint32_t h;

    if ( vcpu >= gt->nr_vcpus )
        vcpu = 0; /* the id the new page's entries record */
    h = pop_free(gt, vcpu);
    if ( h != MAPTRACK_TAIL )
        return h;

    hal_spin_lock(&gt->maptrack_lock);
    if ( gt->maptrack_pages < gt->max_maptrack_pages )
    {
        pg = alloc_xenheap_page();
        if ( pg )
        {
            struct maptrack_vcpu *mv = &gt->mt_vcpu[vcpu];

            memset(pg, 0, PAGE_SIZE);
            base = gt->maptrack_pages * MAPTRACK_PER_PAGE;
            for ( k = 0; k < MAPTRACK_PER_PAGE; k++ )
            {
                pg[k].vcpu = vcpu;
                pg[k].ref = k + 1 < MAPTRACK_PER_PAGE ? base + k + 1
                                                      : MAPTRACK_TAIL;
            }
            gt->maptrack[gt->maptrack_pages++] = pg;
            hal_smp_wmb();
            hal_store_release(&gt->maptrack_limit,
                              gt->maptrack_limit + MAPTRACK_PER_PAGE);
            /* Entries 1.. go on this vCPU's list; entry 0 is returned. */
            hal_spin_lock(&mv->lock);
            pg[MAPTRACK_PER_PAGE - 1].ref = mv->head;
            mv->head = base + 1;
            hal_spin_unlock(&mv->lock);
            hal_spin_unlock(&gt->maptrack_lock);
            return base;
        }
    }
    hal_spin_unlock(&gt->maptrack_lock);

    /* Steal from the other vCPUs, starting after ourselves. */
    for ( i = 1; i < gt->nr_vcpus; i++ )
    {
        unsigned int o = (vcpu + i) % gt->nr_vcpus;

        h = pop_free(gt, o);
        if ( h != MAPTRACK_TAIL )
        {
            hal_write_once(&maptrack_entry(gt, h)->vcpu, vcpu);
            return h;
        }
    }
    return -1;
}

/** See private.h.  The entry's `flags` are already 0. */
void gnttab_put_maptrack_handle(struct grant_table *gt, grant_handle_t h)
{
    gnttab_maptrack_put_handles(gt, &h, 1);
}

/** See private.h. */
unsigned int gnttab_maptrack_take(struct grant_table *gt, unsigned int vcpu,
                                  grant_handle_t *out, unsigned int n)
{
    struct maptrack_vcpu *mv = maptrack_list(gt, vcpu);
    unsigned int k = 0;
    uint32_t h;

    hal_spin_lock(&mv->lock);
    for ( h = mv->head; k < n && h != MAPTRACK_TAIL;
          h = maptrack_entry(gt, h)->ref )
        out[k++] = h;
    mv->head = h;
    hal_spin_unlock(&mv->lock);
    return k;
}

/** See private.h. */
void gnttab_maptrack_put_handles(struct grant_table *gt,
                                 const grant_handle_t *h, unsigned int n)
{
    unsigned int i = 0, j, vcpu;
    struct maptrack_vcpu *mv;

    while ( i < n )
    {
        /* A run of handles homed on one list: linked, then spliced. */
        vcpu = hal_read_once(&maptrack_entry(gt, h[i])->vcpu);
        for ( j = i + 1;
              j < n && hal_read_once(&maptrack_entry(gt, h[j])->vcpu) == vcpu;
              j++ )
            maptrack_entry(gt, h[j - 1])->ref = h[j];
        mv = maptrack_list(gt, vcpu);
        hal_spin_lock(&mv->lock);
        maptrack_entry(gt, h[j - 1])->ref = mv->head;
        mv->head = h[i];
        hal_spin_unlock(&mv->lock);
        i = j;
    }
}

/** See private.h. */
bool gnttab_maptrack_try_claim(struct grant_mapping *m, uint16_t *flags)
{
    uint16_t f = hal_load_acquire(&m->flags);

    do
    {
        *flags = f;
        if ( !f )
            return true;
        if ( f & MAPTRACK_BUSY )
            return false;
    } while ( !hal_cmpxchg(&m->flags, &f, (uint16_t)(f | MAPTRACK_BUSY)) );
    return true;
}

/** See private.h. */
uint16_t gnttab_maptrack_claim(struct grant_mapping *m)
{
    uint16_t f;

    /*
     * Another unmapper's phase 1: short, and it never waits on us (one
     * holding claims only tries, gnttab_unmap_batch).
     */
    while ( !gnttab_maptrack_try_claim(m, &f) )
        hal_cpu_relax();
    return f;
}
