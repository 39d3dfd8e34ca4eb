/* SPDX-License-Identifier: MIT */
/* Circular doubly-linked lists with a head node. */
#ifndef COMMON_LIST_H
#define COMMON_LIST_H

#include <common/compiler.h>

struct list_head {
    struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void INIT_LIST_HEAD(struct list_head *h)
{
    h->next = h;
    h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
    return h->next == h;
}

static inline void list_insert_between(struct list_head *n,
                                       struct list_head *prev,
                                       struct list_head *next)
{
    next->prev = n;
    n->next = next;
    n->prev = prev;
    prev->next = n;
}

/** Adds `n` right after `h` (at the front). */
static inline void list_add(struct list_head *n, struct list_head *h)
{
    list_insert_between(n, h, h->next);
}

/** Adds `n` right before `h` (at the back). */
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
    list_insert_between(n, h->prev, h);
}

/** Unlinks `n` and leaves it pointing at itself. */
static inline void list_del_init(struct list_head *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    INIT_LIST_HEAD(n);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)

#define list_for_each(pos, h) for ( (pos) = (h)->next; (pos) != (h); (pos) = (pos)->next )
#define list_for_each_safe(pos, n, h)                                       \
    for ( (pos) = (h)->next, (n) = (pos)->next; (pos) != (h);               \
          (pos) = (n), (n) = (pos)->next )

#endif /* COMMON_LIST_H */
