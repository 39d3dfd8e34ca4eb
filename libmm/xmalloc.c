/* SPDX-License-Identifier: MIT */
/*
 * xmalloc: small objects for core code (common/xmalloc.h).
 *
 * With HVCORE_XMALLOC_HOST (simulator builds) every block passes through to
 * the host allocator, so ASan and Valgrind see each one; the code above is
 * the same.  Otherwise objects live on xenheap pages, so they are always
 * mapped without a direct map:
 *   - sizes up to XMALLOC_SLAB_MAX are rounded to a power of two (at least
 *     16, at least the alignment) and carved from one-page slabs whose
 *     header sits at the start of the page; a slab with free objects is on
 *     its class's list, an empty slab goes back to the heap;
 *   - larger requests take 2^order whole xenheap pages.
 * The page's `type_info` says which (PGT_xmalloc, with the class or the
 * order in its data bits), so xfree needs only the address.
 *
 * Lock: `xmalloc_lock`, a leaf: slab pages are allocated and freed with it
 * dropped.
 */
#include <common/string.h>
#include <common/xmalloc.h>
#include <hal/hostalloc.h>

#include "mm_private.h"

#ifdef HVCORE_XMALLOC_HOST

void xmalloc_init(void)
{
}

void xmalloc_fini(void)
{
}

/** See common/xmalloc.h. */
void *xmalloc_bytes(size_t size, size_t align)
{
    if ( hal_fault_hit(HAL_FAULT_XMALLOC) )
        return NULL;
    return hal_host_alloc(size ? size : 1, align < 16 ? 16 : align);
}

/** See common/xmalloc.h. */
void xfree(void *p)
{
    if ( p )
        hal_host_free(p);
}

#else /* !HVCORE_XMALLOC_HOST */

#define XMALLOC_MIN_SHIFT 4
#define XMALLOC_SLAB_MAX 1024U
#define XMALLOC_CLASSES 7 /* 16 .. 1024 */
#define XMALLOC_LARGE 0x800ULL /* data bit: a whole-page block */

struct xslab {
    struct xslab *next, *prev; /* on the class list while it has room */
    void *free;                /* free objects, linked through themselves */
    unsigned int inuse;
    unsigned int cls;
    bool listed;
};

static hal_spinlock_t xmalloc_lock = HAL_SPINLOCK_INIT;
static struct xslab *xmalloc_partial[XMALLOC_CLASSES];

void xmalloc_init(void)
{
    unsigned int i;

    hal_spin_init(&xmalloc_lock);
    for ( i = 0; i < XMALLOC_CLASSES; i++ )
        xmalloc_partial[i] = NULL;
}

void xmalloc_fini(void)
{
    /* Slabs still holding objects are the callers' leak; vmap_fini and the
     * heap's end take their pages and mappings. */
    xmalloc_init();
}

static size_t xslab_first(unsigned int cls)
{
    size_t sz = (size_t)1 << (cls + XMALLOC_MIN_SHIFT);

    if ( sz >= sizeof(struct xslab) )
        return sz;
    return (sizeof(struct xslab) + sz - 1) & ~(sz - 1);
}

static void xslab_unlist(struct xslab *s)
{
    if ( s->prev )
        s->prev->next = s->next;
    else
        xmalloc_partial[s->cls] = s->next;
    if ( s->next )
        s->next->prev = s->prev;
    s->listed = false;
}

static void xslab_list(struct xslab *s)
{
    s->prev = NULL;
    s->next = xmalloc_partial[s->cls];
    if ( s->next )
        s->next->prev = s;
    xmalloc_partial[s->cls] = s;
    s->listed = true;
}

/** A new slab of class `cls` with every object free, or NULL. */
static struct xslab *xslab_new(unsigned int cls)
{
    size_t sz = (size_t)1 << (cls + XMALLOC_MIN_SHIFT), off;
    struct xslab *s = alloc_xenheap_pages(0, 0);
    void **link;

    if ( !s )
        return NULL;
    virt_to_page(s)->u.type_info = PGT_xmalloc |
                                   ((uint64_t)cls << PGT_data_shift);
    s->cls = cls;
    s->inuse = 0;
    s->free = NULL;
    link = &s->free;
    for ( off = xslab_first(cls); off + sz <= PAGE_SIZE; off += sz )
    {
        *link = (char *)s + off;
        link = (void **)*link;
    }
    *link = NULL;
    return s;
}

/** See common/xmalloc.h. */
void *xmalloc_bytes(size_t size, size_t align)
{
    unsigned int cls = 0, order = 0;
    struct xslab *s, *fresh = NULL;
    void *p;

    if ( hal_fault_hit(HAL_FAULT_XMALLOC) )
        return NULL;
    if ( align > PAGE_SIZE || (align & (align - 1)) )
        return NULL;
    if ( size < align )
        size = align;
    if ( size > XMALLOC_SLAB_MAX )
    {
        while ( ((size_t)PAGE_SIZE << order) < size )
            if ( ++order > MAX_ORDER )
                return NULL;
        p = alloc_xenheap_pages(order, 0);
        if ( p )
            virt_to_page(p)->u.type_info =
                PGT_xmalloc | ((XMALLOC_LARGE | order) << PGT_data_shift);
        return p;
    }
    while ( ((size_t)1 << (cls + XMALLOC_MIN_SHIFT)) < size )
        cls++;

    for ( ;; )
    {
        hal_spin_lock(&xmalloc_lock);
        s = xmalloc_partial[cls];
        if ( !s && fresh )
        {
            s = fresh;
            fresh = NULL;
            xslab_list(s);
        }
        if ( s )
            break;
        hal_spin_unlock(&xmalloc_lock);
        fresh = xslab_new(cls);
        if ( !fresh )
            return NULL;
    }
    p = s->free;
    s->free = *(void **)p;
    s->inuse++;
    if ( !s->free )
        xslab_unlist(s);
    hal_spin_unlock(&xmalloc_lock);
    if ( fresh )
    {
        virt_to_page(fresh)->u.type_info = 0;
        free_xenheap_pages(fresh, 0);
    }
    return p;
}

/** See common/xmalloc.h. */
void xfree(void *p)
{
    struct page_info *pg;
    struct xslab *s;
    uint64_t data;
    bool empty;

    if ( !p )
        return;
    pg = virt_to_page(p);
    BUG_ON(!pg || (pg->u.type_info & PGT_type_mask) != PGT_xmalloc);
    data = (pg->u.type_info & PGT_data_mask) >> PGT_data_shift;
    if ( data & XMALLOC_LARGE )
    {
        pg->u.type_info = 0;
        free_xenheap_pages(p, (unsigned int)(data & 0xff));
        return;
    }
    s = (struct xslab *)((uintptr_t)p & PAGE_MASK);
    hal_spin_lock(&xmalloc_lock);
    *(void **)p = s->free;
    s->free = p;
    s->inuse--;
    empty = !s->inuse;
    if ( empty )
    {
        if ( s->listed )
            xslab_unlist(s);
    }
    else if ( !s->listed )
        xslab_list(s);
    hal_spin_unlock(&xmalloc_lock);
    if ( empty )
    {
        pg->u.type_info = 0;
        free_xenheap_pages(s, 0);
    }
}

#endif /* HVCORE_XMALLOC_HOST */

/** See common/xmalloc.h. */
void *xzalloc_bytes(size_t size, size_t align)
{
    void *p = xmalloc_bytes(size, align);

    if ( p )
        memset(p, 0, size);
    return p;
}
