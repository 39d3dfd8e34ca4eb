/* SPDX-License-Identifier: MIT */
/*
 * The memory map, from the multiboot (v1) information.
 *
 * At start-up `x86_memmap_init` copies the loader's available ("type 1")
 * ranges into a private table and removes what the heap must not have:
 *   - everything below 1 MiB (frame 0, the BIOS area, the real-mode IVT);
 *   - the kernel image from `_kernel_start` to `_kernel_end`, which holds
 *     the boot page tables, the bootstrap page-table pool, the stacks and
 *     the per-CPU areas (all in .bss);
 *   - everything at or above 4 GiB (X86_MAX_FRAMES: the identity map and the
 *     page-table bookkeeping in map.c cover 4 GiB).
 * The multiboot information itself is read once here and not kept, so its
 * memory may go to the heap.
 */
#include "x86_private.h"

#define MB_BOOT_MAGIC 0x2badb002U
#define MB_INFO_MEM (1U << 0)
#define MB_INFO_MMAP (1U << 6)
#define MB_MMAP_AVAILABLE 1

#define X86_MEMMAP_MAX 32
#define X86_LOW_LIMIT (1ULL << 20)
#define X86_HIGH_LIMIT ((uint64_t)X86_MAX_FRAMES << HAL_PAGE_SHIFT)

/* The multiboot information structure, as far as we read it
 * (Multiboot Specification 0.6.96, section 3.3). */
struct mb_info {
    uint32_t flags;
    uint32_t mem_lower;      /* KiB below 1 MiB */
    uint32_t mem_upper;      /* KiB from 1 MiB */
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
} __attribute__((packed));

static_assert(offsetof(struct mb_info, mmap_addr) == 48,
              "multiboot info mmap_addr (Multiboot 0.6.96, 3.3)");

/* One memory-map entry; `size` does not count itself. */
struct mb_mmap_entry {
    uint32_t size;
    uint64_t base;
    uint64_t length;
    uint32_t type;
} __attribute__((packed));

static_assert(sizeof(struct mb_mmap_entry) == 24,
              "multiboot mmap entry (Multiboot 0.6.96, 3.3)");

static struct hal_mem_range x86_ranges[X86_MEMMAP_MAX];
static unsigned int x86_range_count;
static uint64_t x86_ram_top;     /* end of the highest RAM byte seen */
static uint64_t x86_ram_total;   /* bytes of type-1 RAM the loader listed */

/** Adds [base, end) to the table, kept sorted; drops what overlaps. */
static void x86_memmap_add(uint64_t base, uint64_t end)
{
    unsigned int i, j;

    if ( end <= base )
        return;
    for ( i = 0; i < x86_range_count; i++ )
    {
        const struct hal_mem_range *r = &x86_ranges[i];

        /* Firmware maps should not overlap; if they do, keep the first. */
        if ( base < r->base + r->size && r->base < end )
            return;
        if ( base < r->base )
            break;
    }
    if ( x86_range_count == X86_MEMMAP_MAX )
        hal_panic("x86: too many memory ranges");
    for ( j = x86_range_count; j > i; j-- )
        x86_ranges[j] = x86_ranges[j - 1];
    x86_ranges[i].base = base;
    x86_ranges[i].size = end - base;
    x86_range_count++;
}

/** Adds one loader range, clipped and with the kernel image cut out. */
static void x86_memmap_add_ram(uint64_t base, uint64_t length)
{
    uint64_t end = base + length;
    uint64_t kstart = (uintptr_t)_kernel_start & ~(HAL_PAGE_SIZE - 1);
    uint64_t kend = ((uintptr_t)_kernel_end + HAL_PAGE_SIZE - 1) &
                    ~(HAL_PAGE_SIZE - 1);

    if ( end < base )
        end = ~0ULL;
    x86_ram_total += end - base;
    if ( end > x86_ram_top )
        x86_ram_top = end;

    base = (base + HAL_PAGE_SIZE - 1) & ~(HAL_PAGE_SIZE - 1);
    end &= ~(HAL_PAGE_SIZE - 1);
    if ( base < X86_LOW_LIMIT )
        base = X86_LOW_LIMIT;
    if ( end > X86_HIGH_LIMIT )
        end = X86_HIGH_LIMIT;
    if ( end <= base )
        return;

    if ( kend <= base || end <= kstart )
        x86_memmap_add(base, end);
    else
    {
        x86_memmap_add(base, kstart);
        x86_memmap_add(kend, end);
    }
}

/**
 * Reads the memory map from the multiboot information at `mbi`.  Boot CPU,
 * while the boot tables identity-map the first 1 GiB.  Panics without a
 * multiboot loader or without any usable memory.
 */
void x86_memmap_init(uint32_t magic, uint32_t mbi)
{
    const struct mb_info *info = (const struct mb_info *)(uintptr_t)mbi;
    uintptr_t p, end;

    if ( magic != MB_BOOT_MAGIC )
        hal_panic("x86: not started by a multiboot loader");
    if ( (uintptr_t)mbi >= (uintptr_t)_kernel_start &&
         (uintptr_t)mbi < (uintptr_t)_kernel_end )
        hal_panic("x86: multiboot information inside the image");

    if ( info->flags & MB_INFO_MMAP )
    {
        p = info->mmap_addr;
        end = p + info->mmap_length;
        while ( p + sizeof(struct mb_mmap_entry) <= end )
        {
            const struct mb_mmap_entry *e =
                (const struct mb_mmap_entry *)p;

            if ( e->type == MB_MMAP_AVAILABLE && e->length )
                x86_memmap_add_ram(e->base, e->length);
            p += e->size + sizeof(e->size);
        }
    }
    else if ( info->flags & MB_INFO_MEM )
        x86_memmap_add_ram(X86_LOW_LIMIT, (uint64_t)info->mem_upper << 10);

    if ( !x86_range_count )
        hal_panic("x86: no usable memory in the multiboot map");
}

/** Returns how many ranges the memory map has. */
unsigned int hal_memmap_count(void)
{
    return x86_range_count;
}

/** Copies range `idx` to `*out`; false if there is no such range. */
bool hal_memmap_get(unsigned int idx, struct hal_mem_range *out)
{
    if ( idx >= x86_range_count )
        return false;
    *out = x86_ranges[idx];
    return true;
}

/** Returns one past the highest frame any range covers. */
hal_mfn_t hal_memmap_max_mfn(void)
{
    const struct hal_mem_range *r = &x86_ranges[x86_range_count - 1];

    return (r->base + r->size) >> HAL_PAGE_SHIFT;
}

/** Returns the frames up to the top of RAM, capped at X86_MAX_FRAMES. */
hal_mfn_t x86_memmap_frames(void)
{
    uint64_t top = x86_ram_top < X86_HIGH_LIMIT ? x86_ram_top
                                                 : X86_HIGH_LIMIT;

    return top >> HAL_PAGE_SHIFT;
}

/** Bytes of RAM the loader listed. */
uint64_t x86_ram_bytes(void)
{
    return x86_ram_total;
}
