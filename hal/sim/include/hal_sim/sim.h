/* SPDX-License-Identifier: MIT */
/*
 * The simulator backend's own API: bringing the simulated machine up and
 * down, running pCPU threads, injecting faults and looking at machine memory
 * from outside.  For tests, the harness, fuzzers and benchmarks only; core
 * code never includes this header.
 *
 * The simulated machine: pCPUs are host threads, machine memory is a memfd
 * (frame N at offset N * HAL_PAGE_SIZE), and the hypervisor's virtual region
 * is one large host reservation in which `hal_map_frames` makes real shared
 * mappings of the memfd beside real x86-64 page tables kept in machine
 * memory.  What it does not model: TLBs (a stale translation cannot be
 * observed; flushes are only counted), caches and memory types, NUMA, the
 * IOMMU, interrupts other than the guest upcall, and CPU time (threads run
 * when the host schedules them).
 *
 * A page-table provider (`hal_map_set_pt_provider`) is called with the
 * simulator's mapping lock held: it must not map or unmap anything.
 */
#ifndef HAL_SIM_SIM_H
#define HAL_SIM_SIM_H

#include <hal/hal.h>

/** The shape of the simulated machine. */
struct sim_config {
    uint64_t mem_bytes; /* machine memory, a multiple of HAL_PAGE_SIZE */
    unsigned int cpus;  /* pCPUs, 1..HAL_MAX_CPUS */
};

/*
 * Frames the simulator keeps for itself and leaves out of the memory map:
 * frame 0, then SIM_PT_POOL_FRAMES frames of the page-table bootstrap pool.
 */
#define SIM_PT_POOL_FRAMES 128UL
#define SIM_RESERVED_FRAMES (1UL + SIM_PT_POOL_FRAMES)

/**
 * Builds a fresh simulated machine; the calling thread becomes pCPU 0.
 * Returns 0, -EINVAL for a bad configuration, -EBUSY if a machine already
 * exists, or -ENOMEM if the host refused memory.  The virtual region is
 * 64 GiB, aligned to 1 GiB.  Valgrind's address-space manager refuses that:
 * with HVCORE_UNDER_VALGRIND set the simulator starts at 32 GiB, and in any
 * case halves the region until the host accepts it (1 GiB at least).
 */
int sim_init(const struct sim_config *cfg);

/**
 * Tears the machine down and frees every host resource it held.  Page-table
 * pages are not returned to a registered provider: the provider's pool dies
 * with the machine.  No pCPU thread may be running.
 */
void sim_fini(void);

/**
 * Runs `fn(cpu, arg)` on `n` new threads bound to pCPUs 0..n-1 and waits
 * for all of them.  `n` must be 1..hal_cpu_count().
 */
void sim_run_cpus(unsigned int n, void (*fn)(unsigned int cpu, void *arg),
                  void *arg);

/** Makes the calling thread pCPU `cpu` (< hal_cpu_count()). */
void sim_cpu_bind(unsigned int cpu);

/*
 * Fault injection.  Each `hal_fault_hit(site)` is one hit.  An armed fault
 * makes the nth hit from the arming fail, once, then disarms itself.  Code
 * that recovers from the failure by design reports it (`hal_fault_absorbed`),
 * so a test can tell a fault that failed the operation from one that did
 * not: harness/world/fault_walk.h walks an operation's points that way.
 */

/** What the fault armed last did. */
enum sim_fault_outcome {
    SIM_FAULT_NOT_FIRED, /* not (yet) fired, or disarmed before it fired */
    SIM_FAULT_FAILED,    /* fired, and nothing absorbed it: the operation
                            that hit it must fail */
    SIM_FAULT_ABSORBED,  /* fired, and the code recovered by design: the
                            operation must go on as if it had not */
};

/** Arms a fault on the `nth` (≥ 1) hit of `site` from now. */
void sim_fault_arm(enum hal_fault_site site, unsigned long nth);
/** Arms a fault on the `nth` (≥ 1) hit of any site from now. */
void sim_fault_arm_any(unsigned long nth);
/** Removes an armed fault that has not fired. */
void sim_fault_disarm(void);
/** Returns how many hits `site` has had since sim_init returned. */
unsigned long sim_fault_hits(enum hal_fault_site site);
/** Returns what the fault armed last did (kept when it is disarmed). */
enum sim_fault_outcome sim_fault_outcome(void);
/** Returns true if the fault armed last has fired, absorbed or not. */
bool sim_fault_fired(void);

/** Sets the handler of guest upcalls (NULL: upcalls are only counted). */
void sim_set_upcall_handler(void (*fn)(uint16_t domid, unsigned int vcpu,
                                       void *arg),
                            void *arg);
/** Returns how many upcalls were raised since sim_init. */
unsigned long sim_upcall_count(void);

/**
 * Returns a host pointer to machine frame `mfn` through the simulator's
 * private view of all of machine memory, or NULL if there is no such frame.
 * For test assertions and the guest side of the harness.
 */
void *sim_machine_frame(uint64_t mfn);

/** Returns how many machine frames the machine has. */
uint64_t sim_machine_frames(void);

/** Returns how many TLB flushes (full, range and local) were requested. */
unsigned long sim_tlb_flush_count(void);
/** Returns how many full flushes (`hal_tlb_flush_all`) were requested. */
unsigned long sim_tlb_flush_all_count(void);

/**
 * Turns the host side of mappings on (the default) or off.  When off,
 * `hal_map_frames` and `hal_unmap_frames` update only the page tables, as a
 * PTE write would on hardware, so a benchmark measures the mapping path's
 * own cost.  Touching such a mapping is the caller's bug.
 */
void sim_map_host_set(bool on);

/**
 * Sends console output to `fn` instead of standard error (NULL restores
 * standard error).  `fn` gets each `hal_console_write` call's bytes at once.
 */
void sim_console_capture(void (*fn)(const char *s, size_t len, void *arg),
                         void *arg);

#endif /* HAL_SIM_SIM_H */
