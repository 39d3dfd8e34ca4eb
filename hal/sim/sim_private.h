/* SPDX-License-Identifier: MIT */
/*
 * State shared between the simulator backend's files.  Private to hal/sim.
 */
#ifndef HAL_SIM_PRIVATE_H
#define HAL_SIM_PRIVATE_H

#include <hal_sim/sim.h>

/** Machine memory: the memfd and the simulator's private view of it. */
struct sim_mem {
    int fd;           /* memfd backing all machine memory, -1 when down */
    uint8_t *view;    /* the whole memfd, mapped read-write */
    uint64_t frames;  /* machine frames */
};

extern struct sim_mem sim_mem;

/* Per-area bring-up and tear-down, called by sim_init / sim_fini in order. */
int sim_mem_init(uint64_t mem_bytes);
void sim_mem_fini(void);
int sim_cpu_init(unsigned int cpus);
void sim_cpu_fini(void);
int sim_map_init(void);
void sim_map_fini(void);
void sim_fault_reset(void);
void sim_tlb_reset(void);
void sim_guest_reset(void);

/*
 * The simulator's page tables, kept in machine memory (pt.c, over the
 * bare-metal backend's hal/x86_64/pagetable.c).  Every call is made with
 * map.c's lock held.  Pages come from and go back to `src`.
 */
struct sim_pt_source {
    int (*alloc)(void *ctx, hal_mfn_t *mfn);
    void (*free)(void *ctx, hal_mfn_t mfn);
    uint64_t *(*access)(void *ctx, hal_mfn_t mfn);
};

int sim_pt_init(const struct sim_pt_source *src);
void sim_pt_destroy(void);
int sim_pt_map(uintptr_t va, hal_mfn_t mfn, unsigned long nr,
               unsigned int flags);
void sim_pt_unmap(uintptr_t va, unsigned long nr);
bool sim_pt_translate(uintptr_t va, hal_mfn_t *mfn, unsigned int *flags);
unsigned long sim_pt_pages(void);

/** Returns the private-view address of frame `mfn` (which must exist). */
static inline void *sim_frame_ptr(hal_mfn_t mfn)
{
    return sim_mem.view + mfn * HAL_PAGE_SIZE;
}

#endif /* HAL_SIM_PRIVATE_H */
