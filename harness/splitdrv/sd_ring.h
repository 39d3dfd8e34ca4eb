/* SPDX-License-Identifier: MIT */
/*
 * The split driver's shared ring: one page granted by the frontend and
 * mapped by the backend, with Xen's io/ring.h protocol (free-running
 * producer indices, `req_event`/`rsp_event` for notification suppression).
 * Written here from the protocol's description, as plain structures and
 * inline functions instead of ring.h's macros.
 */
#ifndef SPLITDRV_SD_RING_H
#define SPLITDRV_SD_RING_H

#include <common/compiler.h>
#include <hal/atomic.h>
#include <hal/types.h>
#include <public/grant_table.h>

#define SD_RING_SIZE 32U      /* entries: a power of two */
#define SD_SECTOR_SIZE 4096U  /* every request moves one whole page */

enum sd_op {
    SD_OP_WRITE = 1,          /* frontend page -> backend sector */
    SD_OP_READ = 2,           /* backend sector -> frontend page */
};

enum sd_status {
    SD_RSP_OKAY = 0,
    SD_RSP_EIO = -1,          /* a grant op failed */
    SD_RSP_ECSUM = -2,        /* the data did not match the checksum */
    SD_RSP_EINVAL = -3,       /* a malformed request */
};

/** A request: 32 bytes. */
struct sd_request {
    uint64_t id;              /* the frontend's slot */
    uint8_t op;               /* enum sd_op */
    uint8_t _pad0;
    uint16_t sector;          /* the backend sector written or read */
    grant_ref_t gref;         /* the frontend's data page */
    uint64_t csum;            /* WRITE: checksum of the page */
    uint64_t _pad1;
};

/** A response: 32 bytes. */
struct sd_response {
    uint64_t id;
    int16_t status;           /* enum sd_status */
    uint16_t _pad0[3];
    uint64_t csum;            /* checksum of the data the backend moved */
    uint64_t _pad1;
};

union sd_ring_entry {
    struct sd_request req;
    struct sd_response rsp;
};

/** The shared page's layout. */
struct sd_sring {
    uint32_t req_prod;        /* written by the frontend */
    uint32_t req_event;       /* written by the backend */
    uint32_t rsp_prod;        /* written by the backend */
    uint32_t rsp_event;       /* written by the frontend */
    uint8_t _pad[48];
    union sd_ring_entry ring[SD_RING_SIZE];
};

static_assert(sizeof(struct sd_request) == 32, "sd_request: 32 bytes");
static_assert(sizeof(struct sd_response) == 32, "sd_response: 32 bytes");
static_assert(sizeof(struct sd_sring) == 64 + 32 * SD_RING_SIZE,
              "sd_sring: a 64-byte header, then the entries");
static_assert(sizeof(struct sd_sring) <= 4096, "sd_sring: one page");

/** Resets a fresh ring page (the frontend, before granting it). */
static inline void sd_sring_init(struct sd_sring *s)
{
    s->req_prod = 0;
    s->rsp_prod = 0;
    s->req_event = 1;
    s->rsp_event = 1;
}

/**
 * Publishes a producer index moved from `old` to `new` and says whether
 * the other end asked to be notified in between (its `*event` index lies
 * in (old, new]) — Xen's RING_PUSH_*_AND_CHECK_NOTIFY.
 */
static inline bool sd_ring_push(uint32_t *prod, const uint32_t *event,
                                uint32_t old, uint32_t new)
{
    hal_smp_wmb();            /* entries before the index */
    hal_write_once(prod, new);
    hal_smp_mb();             /* the index before reading the event */
    return (uint32_t)(new - hal_read_once(event)) < (uint32_t)(new - old);
}

/**
 * Asks to be notified of the next entry after `cons` and says whether one
 * arrived meanwhile (Xen's RING_FINAL_CHECK_FOR_*).
 */
static inline bool sd_ring_final_check(const uint32_t *prod, uint32_t *event,
                                       uint32_t cons)
{
    hal_write_once(event, cons + 1);
    hal_smp_mb();
    return hal_read_once(prod) != cons;
}

#endif /* SPLITDRV_SD_RING_H */
