/* SPDX-License-Identifier: MIT */
/*
 * Machine memory and the memory map.
 *
 * All of machine memory is one memfd; frame N lives at offset
 * N * HAL_PAGE_SIZE.  The simulator maps the whole file once for itself (its
 * "private view", used to reach page-table pages and by `sim_machine_frame`)
 * and `hal_map_frames` maps pages of the same file into the hypervisor's
 * region, so every view of a frame sees the same bytes.
 *
 * Frame 0 and the page-table bootstrap pool are kept out of the memory map,
 * which reports one range: the rest of memory.  Not modelled: memory holes,
 * NUMA nodes, memory types and caches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim_private.h"

struct sim_mem sim_mem = { .fd = -1 };

/**
 * Creates machine memory of `mem_bytes` bytes, all zero.  Returns 0 or
 * -ENOMEM.
 */
int sim_mem_init(uint64_t mem_bytes)
{
    int fd;
    void *view;

    fd = memfd_create("hvcore-machine", MFD_CLOEXEC);
    if ( fd < 0 )
        return -ENOMEM;
    if ( ftruncate(fd, (off_t)mem_bytes) )
        goto fail;
    view = mmap(NULL, mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if ( view == MAP_FAILED )
        goto fail;

    sim_mem.fd = fd;
    sim_mem.view = view;
    sim_mem.frames = mem_bytes / HAL_PAGE_SIZE;
    return 0;

 fail:
    close(fd);
    return -ENOMEM;
}

/** Drops machine memory. */
void sim_mem_fini(void)
{
    if ( sim_mem.fd < 0 )
        return;
    munmap(sim_mem.view, sim_mem.frames * HAL_PAGE_SIZE);
    close(sim_mem.fd);
    sim_mem.fd = -1;
    sim_mem.view = NULL;
    sim_mem.frames = 0;
}

/** Returns a host pointer to frame `mfn` in the private view, or NULL. */
void *sim_machine_frame(uint64_t mfn)
{
    if ( sim_mem.fd < 0 || mfn >= sim_mem.frames )
        return NULL;
    return sim_frame_ptr(mfn);
}

/** Returns how many machine frames there are. */
uint64_t sim_machine_frames(void)
{
    return sim_mem.frames;
}

/** The memory map has one range: everything above the reserved frames. */
unsigned int hal_memmap_count(void)
{
    return sim_mem.frames > SIM_RESERVED_FRAMES ? 1 : 0;
}

/** Copies range `idx` to `*out`; false if there is no such range. */
bool hal_memmap_get(unsigned int idx, struct hal_mem_range *out)
{
    if ( idx >= hal_memmap_count() )
        return false;
    out->base = SIM_RESERVED_FRAMES * HAL_PAGE_SIZE;
    out->size = (sim_mem.frames - SIM_RESERVED_FRAMES) * HAL_PAGE_SIZE;
    return true;
}

/** Returns one past the highest frame the memory map covers. */
hal_mfn_t hal_memmap_max_mfn(void)
{
    return hal_memmap_count() ? sim_mem.frames : 0;
}
