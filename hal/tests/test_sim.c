/* SPDX-License-Identifier: MIT */
/*
 * Simulator-specific tests: what the contract suite cannot see from inside
 * (faults on bad accesses, the debug locks' aborts, fault injection, pCPU
 * threads, repeated machines, the page-table provider hook).  Each test
 * builds a fresh machine.  Crashes are checked in a forked child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <hal_sim/sim.h>

#define MEM_BYTES (32ULL << 20)
#define CPUS 4
#define SZ_2M (1UL << 21)

static int setup(void **state)
{
    const struct sim_config cfg = { .mem_bytes = MEM_BYTES, .cpus = CPUS };

    return sim_init(&cfg);
}

static int teardown(void **state)
{
    sim_fini();
    return 0;
}

static bool under_valgrind(void)
{
    const char *v = getenv("HVCORE_UNDER_VALGRIND");

    return v && *v && *v != '0';
}

/* A frame of the heap's memory, as libmm would get one. */
static hal_mfn_t heap_frame(unsigned int i)
{
    struct hal_mem_range r;

    assert_true(hal_memmap_get(0, &r));
    return (r.base >> HAL_PAGE_SHIFT) + i;
}

/* A 2 MiB-aligned address in the region, `i` pieces from the middle. */
static uintptr_t region_va(unsigned int i)
{
    uintptr_t base;
    size_t size;

    hal_va_region(&base, &size);
    return ((base + size / 2) & ~(uintptr_t)(SZ_2M - 1)) + i * SZ_2M;
}

/*
 * Runs `fn(arg)` in a child process and returns how it ended: the signal
 * that killed it, or 0 if it exited.  The child's stderr goes to /dev/null
 * and the default SIGSEGV action is restored (ASan installs its own).
 */
static int run_child(void (*fn)(void *), void *arg)
{
    int status, fd;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if ( pid == 0 )
    {
        struct sigaction sa;

        fd = open("/dev/null", O_WRONLY);
        if ( fd >= 0 )
            dup2(fd, STDERR_FILENO);
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
        sigaction(SIGABRT, &sa, NULL);
        fn(arg);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if ( WIFSIGNALED(status) )
        return WTERMSIG(status);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return 0;
}

static void child_read(void *arg)
{
    (void)*(volatile uint64_t *)arg;
}

static void child_write(void *arg)
{
    *(volatile uint64_t *)arg = 1;
}

/* ---- memory and mappings ---- */

static void test_config_checks(void **state)
{
    struct sim_config cfg = { .mem_bytes = MEM_BYTES, .cpus = 1 };

    /* A machine exists (setup). */
    assert_int_equal(sim_init(&cfg), -EBUSY);
    sim_fini();

    cfg.cpus = 0;
    assert_int_equal(sim_init(&cfg), -EINVAL);
    cfg.cpus = HAL_MAX_CPUS + 1;
    assert_int_equal(sim_init(&cfg), -EINVAL);
    cfg.cpus = 1;
    cfg.mem_bytes = MEM_BYTES + 1;
    assert_int_equal(sim_init(&cfg), -EINVAL);
    cfg.mem_bytes = SIM_RESERVED_FRAMES * HAL_PAGE_SIZE;
    assert_int_equal(sim_init(&cfg), -EINVAL);
    assert_int_equal(sim_init(NULL), -EINVAL);

    /* The smallest machine: one heap frame. */
    cfg.mem_bytes = (SIM_RESERVED_FRAMES + 1) * HAL_PAGE_SIZE;
    assert_int_equal(sim_init(&cfg), 0);
    assert_int_equal(hal_memmap_count(), 1);
    assert_int_equal(hal_memmap_max_mfn(), SIM_RESERVED_FRAMES + 1);
    /* teardown drops it */
}

static void test_memmap_layout(void **state)
{
    struct hal_mem_range r;

    assert_int_equal(hal_memmap_count(), 1);
    assert_true(hal_memmap_get(0, &r));
    /* Frame 0 and the bootstrap pool are kept out; the rest is heap. */
    assert_int_equal(r.base, SIM_RESERVED_FRAMES * HAL_PAGE_SIZE);
    assert_int_equal(r.base + r.size, MEM_BYTES);
    assert_int_equal(hal_memmap_max_mfn(), MEM_BYTES / HAL_PAGE_SIZE);
    assert_int_equal(sim_machine_frames(), MEM_BYTES / HAL_PAGE_SIZE);
    assert_non_null(sim_machine_frame(0));
    assert_null(sim_machine_frame(MEM_BYTES / HAL_PAGE_SIZE));
    assert_string_equal(hal_backend_name(), "sim");
}

static void test_machine_frame_view(void **state)
{
    uintptr_t va = region_va(0);
    hal_mfn_t f = heap_frame(5);
    uint8_t *view = sim_machine_frame(f);

    /* Fresh machine memory is zero. */
    for ( unsigned int i = 0; i < HAL_PAGE_SIZE; i++ )
        assert_int_equal(view[i], 0);
    assert_int_equal(hal_map_frames(va, f, 1, HAL_MAP_RW), 0);
    memcpy((void *)va, "through the mapping", 20);
    assert_string_equal((char *)view, "through the mapping");
    strcpy((char *)view + 100, "through the view");
    assert_string_equal((char *)va + 100, "through the view");
    hal_unmap_frames(va, 1);
    /* Unmapping does not touch the frame. */
    assert_string_equal((char *)view, "through the mapping");
}

static void test_unmapped_faults(void **state)
{
    uintptr_t va = region_va(0);
    uintptr_t base;
    size_t size;

    /* Never mapped. */
    assert_int_equal(run_child(child_read, (void *)va), SIGSEGV);
    hal_va_region(&base, &size);
    assert_int_equal(run_child(child_read, (void *)base), SIGSEGV);

    /* Mapped: fine.  Unmapped again: faults. */
    assert_int_equal(hal_map_frames(va, heap_frame(0), 2, HAL_MAP_RW), 0);
    assert_int_equal(run_child(child_write, (void *)(va + HAL_PAGE_SIZE)), 0);
    hal_unmap_frames(va + HAL_PAGE_SIZE, 1);
    assert_int_equal(run_child(child_read, (void *)va), 0);
    assert_int_equal(run_child(child_read, (void *)(va + HAL_PAGE_SIZE)),
                     SIGSEGV);
    hal_unmap_frames(va, 1);
    assert_int_equal(run_child(child_read, (void *)va), SIGSEGV);
}

static void test_readonly_faults_on_write(void **state)
{
    uintptr_t va = region_va(0);
    uint64_t *view = sim_machine_frame(heap_frame(1));

    view[0] = 0x1234;
    assert_int_equal(hal_map_frames(va, heap_frame(1), 1, 0), 0);
    assert_int_equal(run_child(child_read, (void *)va), 0);
    assert_int_equal(*(volatile uint64_t *)va, 0x1234);
    assert_int_equal(run_child(child_write, (void *)va), SIGSEGV);
    /* Remapped writable, the same address takes writes. */
    assert_int_equal(hal_map_frames(va, heap_frame(1), 1, HAL_MAP_RW), 0);
    assert_int_equal(run_child(child_write, (void *)va), 0);
    hal_unmap_frames(va, 1);
}

static void test_host_mapping_off(void **state)
{
    uintptr_t va = region_va(0);
    hal_mfn_t mfn;
    unsigned long before = hal_pt_pages_in_use();

    sim_map_host_set(false);
    assert_int_equal(hal_map_frames(va, heap_frame(2), 1, HAL_MAP_RW), 0);
    /* The tables changed... */
    assert_true(hal_translate(va, &mfn, NULL));
    assert_int_equal(mfn, heap_frame(2));
    assert_true(hal_pt_pages_in_use() > before);
    /* ...the host mapping did not. */
    assert_int_equal(run_child(child_read, (void *)va), SIGSEGV);
    hal_unmap_frames(va, 1);
    assert_false(hal_translate(va, &mfn, NULL));
    assert_int_equal(hal_pt_pages_in_use(), before);

    sim_map_host_set(true);
    assert_int_equal(hal_map_frames(va, heap_frame(2), 1, HAL_MAP_RW), 0);
    assert_int_equal(run_child(child_read, (void *)va), 0);
    hal_unmap_frames(va, 1);
}

static void child_bad_map(void *arg)
{
    uintptr_t base;
    size_t size;

    hal_va_region(&base, &size);
    /* Outside the region: a bug in the caller, so the simulator panics. */
    (void)!hal_map_frames(base + size, heap_frame(0), 1, HAL_MAP_RW);
}

static void child_bad_frame(void *arg)
{
    (void)!hal_map_frames(region_va(0), MEM_BYTES / HAL_PAGE_SIZE, 1, 0);
}

static void test_misuse_panics(void **state)
{
    assert_int_equal(run_child(child_bad_map, NULL), SIGABRT);
    assert_int_equal(run_child(child_bad_frame, NULL), SIGABRT);
}

/* ---- locks ---- */

#ifndef NDEBUG
static void child_double_lock(void *arg)
{
    hal_spinlock_t l = HAL_SPINLOCK_INIT;

    hal_spin_lock(&l);
    hal_spin_lock(&l);
}

static void child_unlock_unheld(void *arg)
{
    hal_spinlock_t l = HAL_SPINLOCK_INIT;

    hal_spin_unlock(&l);
}

static void child_unlock_other_cpu(void *arg)
{
    hal_spinlock_t l = HAL_SPINLOCK_INIT;

    hal_spin_lock(&l);
    sim_cpu_bind(1);
    hal_spin_unlock(&l);
}

static void child_lock_unlock(void *arg)
{
    hal_spinlock_t l = HAL_SPINLOCK_INIT;

    hal_spin_lock(&l);
    hal_spin_unlock(&l);
}

static void test_spinlock_debug_aborts(void **state)
{
    assert_int_equal(run_child(child_lock_unlock, NULL), 0);
    assert_int_equal(run_child(child_double_lock, NULL), SIGABRT);
    assert_int_equal(run_child(child_unlock_unheld, NULL), SIGABRT);
    assert_int_equal(run_child(child_unlock_other_cpu, NULL), SIGABRT);
}

static void child_read_unlock_unheld(void *arg)
{
    hal_rwlock_t l = HAL_RWLOCK_INIT;

    hal_read_unlock(&l);
}

static void child_write_unlock_unheld(void *arg)
{
    hal_rwlock_t l = HAL_RWLOCK_INIT;

    hal_write_unlock(&l);
}

static void child_write_unlock_read_held(void *arg)
{
    hal_rwlock_t l = HAL_RWLOCK_INIT;

    hal_read_lock(&l);
    hal_write_unlock(&l);
}

static void child_read_unlock_write_held(void *arg)
{
    hal_rwlock_t l = HAL_RWLOCK_INIT;

    hal_write_lock(&l);
    hal_read_unlock(&l);
}

static void test_rwlock_debug_aborts(void **state)
{
    assert_int_equal(run_child(child_read_unlock_unheld, NULL), SIGABRT);
    assert_int_equal(run_child(child_write_unlock_unheld, NULL), SIGABRT);
    assert_int_equal(run_child(child_write_unlock_read_held, NULL), SIGABRT);
    assert_int_equal(run_child(child_read_unlock_write_held, NULL), SIGABRT);
}
#endif /* NDEBUG */

struct counter {
    hal_spinlock_t lock;
    unsigned long value;      /* protected by lock, plain accesses */
    unsigned long per_cpu[CPUS];
    unsigned long rounds;
};

static void count_fn(unsigned int cpu, void *arg)
{
    struct counter *c = arg;
    unsigned long i;

    for ( i = 0; i < c->rounds; i++ )
    {
        hal_spin_lock(&c->lock);
        assert_true(hal_spin_is_mine(&c->lock));
        c->value++;
        c->per_cpu[cpu]++;
        hal_spin_unlock(&c->lock);
    }
}

static void test_spinlock_contended(void **state)
{
    struct counter c = { .lock = HAL_SPINLOCK_INIT };
    unsigned int i;

    /* Valgrind runs one thread at a time: fewer rounds keep it quick. */
    c.rounds = under_valgrind() ? 2000 : 20000;
    sim_run_cpus(CPUS, count_fn, &c);
    assert_int_equal(c.value, CPUS * c.rounds);
    for ( i = 0; i < CPUS; i++ )
        assert_int_equal(c.per_cpu[i], c.rounds);
    assert_false(hal_spin_is_locked(&c.lock));
}

struct rw_counter {
    hal_rwlock_t lock;
    unsigned long a, b;       /* writers keep a == b */
    unsigned long rounds;
    unsigned long torn;       /* readers that saw a != b */
};

static void rw_fn(unsigned int cpu, void *arg)
{
    struct rw_counter *c = arg;
    unsigned long i;

    for ( i = 0; i < c->rounds; i++ )
    {
        if ( cpu & 1 )
        {
            hal_write_lock(&c->lock);
            c->a++;
            hal_barrier();
            c->b++;
            hal_write_unlock(&c->lock);
        }
        else
        {
            hal_read_lock(&c->lock);
            if ( hal_read_once(&c->a) != hal_read_once(&c->b) )
                hal_fetch_add(&c->torn, 1);
            hal_read_unlock(&c->lock);
        }
    }
}

static void test_rwlock_contended(void **state)
{
    struct rw_counter c = { .lock = HAL_RWLOCK_INIT };

    c.rounds = under_valgrind() ? 2000 : 50000;
    sim_run_cpus(CPUS, rw_fn, &c);
    /* Two writer CPUs (1 and 3). */
    assert_int_equal(c.a, 2 * c.rounds);
    assert_int_equal(c.b, 2 * c.rounds);
    assert_int_equal(c.torn, 0);
    assert_false(hal_rw_is_locked(&c.lock));
}

/* ---- CPUs ---- */

struct cpu_seen {
    unsigned int id[CPUS];
    void *percpu[CPUS];
    size_t off;
};

static void cpu_fn(unsigned int cpu, void *arg)
{
    struct cpu_seen *s = arg;
    unsigned long *mine = hal_percpu_ptr(hal_cpu_id(), s->off);

    s->id[cpu] = hal_cpu_id();
    s->percpu[cpu] = mine;
    /* Starts zeroed; this CPU's writes stay in its own copy. */
    assert_int_equal(*mine, 0);
    *mine = 1000 + cpu;
}

static void test_cpu_threads(void **state)
{
    struct cpu_seen s;
    unsigned int i, j;

    memset(&s, 0, sizeof(s));
    assert_int_equal(hal_cpu_count(), CPUS);
    assert_int_equal(hal_cpu_id(), 0);
    s.off = hal_percpu_reserve(sizeof(unsigned long), sizeof(unsigned long));
    assert_true(s.off != (size_t)-1);

    sim_run_cpus(CPUS, cpu_fn, &s);
    for ( i = 0; i < CPUS; i++ )
    {
        assert_int_equal(s.id[i], i);
        assert_ptr_equal(s.percpu[i], hal_percpu_ptr(i, s.off));
        assert_int_equal(*(unsigned long *)hal_percpu_ptr(i, s.off),
                         1000 + i);
        for ( j = 0; j < i; j++ )
            assert_ptr_not_equal(s.percpu[i], s.percpu[j]);
    }
    /* The caller is still CPU 0; binding changes only this thread. */
    assert_int_equal(hal_cpu_id(), 0);
    sim_cpu_bind(2);
    assert_int_equal(hal_cpu_id(), 2);
    sim_cpu_bind(0);

    /* Fewer threads than CPUs. */
    memset(s.id, 0xff, sizeof(s.id));
    for ( i = 0; i < CPUS; i++ )
        *(unsigned long *)hal_percpu_ptr(i, s.off) = 0;
    sim_run_cpus(2, cpu_fn, &s);
    assert_int_equal(s.id[0], 0);
    assert_int_equal(s.id[1], 1);
    assert_int_equal(s.id[2], ~0U);
    assert_int_equal(*(unsigned long *)hal_percpu_ptr(2, s.off), 0);
}

static void test_percpu_limits(void **state)
{
    size_t a, b;

    a = hal_percpu_reserve(HAL_PERCPU_SIZE - 64, 8);
    assert_int_equal(a, 0);
    assert_true(hal_percpu_reserve(128, 8) == (size_t)-1);
    assert_true(hal_percpu_reserve(8, 3) == (size_t)-1);
    b = hal_percpu_reserve(64, 64);
    assert_int_equal(b, HAL_PERCPU_SIZE - 64);
    assert_true(hal_percpu_reserve(1, 1) == (size_t)-1);
}

struct map_race {
    unsigned long rounds;
    unsigned long bad;
};

/* Each CPU maps and unmaps in its own 2 MiB piece; pieces share upper
 * tables, so table allocation and freeing race between CPUs. */
static void map_fn(unsigned int cpu, void *arg)
{
    struct map_race *r = arg;
    uintptr_t va = region_va(cpu) + cpu * HAL_PAGE_SIZE;
    hal_mfn_t f = heap_frame(10 + cpu), mfn;
    unsigned long i;

    for ( i = 0; i < r->rounds; i++ )
    {
        if ( hal_map_frames(va, f, 1, HAL_MAP_RW) )
        {
            hal_fetch_add(&r->bad, 1);
            continue;
        }
        *(volatile uint64_t *)va = (cpu << 24) | i;
        if ( !hal_translate(va, &mfn, NULL) || mfn != f ||
             *(volatile uint64_t *)sim_machine_frame(f) != ((cpu << 24) | i) )
            hal_fetch_add(&r->bad, 1);
        hal_unmap_frames(va, 1);
        if ( hal_translate(va, &mfn, NULL) )
            hal_fetch_add(&r->bad, 1);
    }
}

static void test_map_concurrent(void **state)
{
    struct map_race r = { .rounds = under_valgrind() ? 200 : 1000 };
    unsigned long before = hal_pt_pages_in_use();

    sim_run_cpus(CPUS, map_fn, &r);
    assert_int_equal(r.bad, 0);
    assert_int_equal(hal_pt_pages_in_use(), before);
}

/* ---- fault injection ---- */

static void test_fault_nth_once(void **state)
{
    uintptr_t va = region_va(0);
    unsigned long hits = sim_fault_hits(HAL_FAULT_MAP);

    sim_fault_arm(HAL_FAULT_MAP, 2);
    assert_false(sim_fault_fired());
    assert_int_equal(hal_map_frames(va, heap_frame(0), 1, HAL_MAP_RW), 0);
    assert_false(sim_fault_fired());
    /* Another site's hits do not count. */
    assert_false(hal_fault_hit(HAL_FAULT_HEAP));
    assert_int_equal(hal_map_frames(va + HAL_PAGE_SIZE, heap_frame(1), 1,
                                    HAL_MAP_RW), -ENOMEM);
    assert_true(sim_fault_fired());
    /* Once only. */
    assert_int_equal(hal_map_frames(va + HAL_PAGE_SIZE, heap_frame(1), 1,
                                    HAL_MAP_RW), 0);
    assert_true(sim_fault_fired());
    assert_int_equal(sim_fault_hits(HAL_FAULT_MAP), hits + 3);
    assert_int_equal(sim_fault_hits(HAL_FAULT_HEAP), 1);
    hal_unmap_frames(va, 2);

    /* Arming again resets "fired". */
    sim_fault_arm(HAL_FAULT_VMAP, 1);
    assert_false(sim_fault_fired());
    assert_true(hal_fault_hit(HAL_FAULT_VMAP));
    assert_true(sim_fault_fired());
    assert_false(hal_fault_hit(HAL_FAULT_VMAP));
}

static void test_fault_any_and_disarm(void **state)
{
    sim_fault_arm_any(3);
    assert_false(hal_fault_hit(HAL_FAULT_HEAP));
    assert_false(hal_fault_hit(HAL_FAULT_XMALLOC));
    assert_true(hal_fault_hit(HAL_FAULT_VMAP));
    assert_true(sim_fault_fired());
    assert_false(hal_fault_hit(HAL_FAULT_VMAP));

    sim_fault_arm(HAL_FAULT_XMALLOC, 1);
    sim_fault_disarm();
    assert_false(hal_fault_hit(HAL_FAULT_XMALLOC));
    assert_false(sim_fault_fired());

    sim_fault_arm_any(1);
    sim_fault_disarm();
    assert_false(hal_fault_hit(HAL_FAULT_PT_ALLOC));
    assert_false(sim_fault_fired());

    assert_int_equal(sim_fault_hits(HAL_FAULT_HEAP), 1);
    assert_int_equal(sim_fault_hits(HAL_FAULT_XMALLOC), 2);
    assert_int_equal(sim_fault_hits(HAL_FAULT_VMAP), 2);
    assert_int_equal(sim_fault_hits(HAL_FAULT_PT_ALLOC), 1);
}

static void absorb_map_fn(unsigned int cpu, void *arg)
{
    (void)arg;
    if ( cpu == 1 )
        hal_fault_absorbed(HAL_FAULT_MAP);
}

/*
 * A fired fault fails until the CPU it fired on absorbs it at its site;
 * anything else (another site, another CPU, nothing fired) changes nothing.
 */
static void test_fault_absorbed(void **state)
{
    hal_fault_absorbed(HAL_FAULT_MAP); /* nothing armed: no effect */
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_NOT_FIRED);
    sim_fault_arm(HAL_FAULT_MAP, 2);
    assert_false(hal_fault_hit(HAL_FAULT_MAP));
    hal_fault_absorbed(HAL_FAULT_MAP); /* not fired yet */
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_NOT_FIRED);
    assert_false(sim_fault_fired());
    assert_true(hal_fault_hit(HAL_FAULT_MAP));
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_FAILED);
    hal_fault_absorbed(HAL_FAULT_HEAP);
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_FAILED);
    sim_run_cpus(2, absorb_map_fn, NULL); /* CPU 1 did not hit it */
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_FAILED);
    hal_fault_absorbed(HAL_FAULT_MAP);
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_ABSORBED);
    assert_true(sim_fault_fired());
    /* Kept when disarmed; reset by the next arming. */
    sim_fault_disarm();
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_ABSORBED);
    sim_fault_arm_any(1);
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_NOT_FIRED);
    assert_true(hal_fault_hit(HAL_FAULT_XMALLOC));
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_FAILED);
    sim_fault_disarm();
    assert_int_equal(sim_fault_outcome(), SIM_FAULT_FAILED);
}

/*
 * Walks every allocation point of a mapping that needs new tables and
 * replaces an existing mapping: each failure must leave translations, the
 * table count and memory exactly as they were.
 */
static void test_fault_walk_map(void **state)
{
    /* Far from anything mapped: in a 1 GiB piece of its own. */
    uintptr_t base;
    size_t size;
    uintptr_t va, old_va;
    unsigned long before, nth, faults = 0;
    hal_mfn_t mfn;
    int rc;

    hal_va_region(&base, &size);
    va = base + size - (1UL << 30);
    old_va = va + SZ_2M - HAL_PAGE_SIZE;
    /* An existing mapping at the end of the range, so the range spans two
     * L1 tables and replaces one entry. */
    assert_int_equal(hal_map_frames(old_va, heap_frame(9), 1, HAL_MAP_RW), 0);
    *(volatile uint64_t *)old_va = 0x99;
    before = hal_pt_pages_in_use();

    for ( nth = 1; ; nth++ )
    {
        sim_fault_arm_any(nth);
        rc = hal_map_frames(va, heap_frame(0), SZ_2M / HAL_PAGE_SIZE + 1,
                            HAL_MAP_RW);
        if ( !sim_fault_fired() )
            break;
        faults++;
        assert_int_equal(rc, -ENOMEM);
        assert_int_equal(hal_pt_pages_in_use(), before);
        assert_false(hal_translate(va, &mfn, NULL));
        assert_false(hal_translate(va + SZ_2M, &mfn, NULL));
        assert_true(hal_translate(old_va, &mfn, NULL));
        assert_int_equal(mfn, heap_frame(9));
        assert_int_equal(*(volatile uint64_t *)old_va, 0x99);
        assert_int_equal(run_child(child_read, (void *)va), SIGSEGV);
        assert_true(nth < 100);
    }
    sim_fault_disarm();
    assert_int_equal(rc, 0);
    /* The MAP hit, then one L1 for the second 2 MiB piece. */
    assert_int_equal(faults, 2);
    assert_int_equal(hal_pt_pages_in_use(), before + 1);
    assert_true(hal_translate(old_va, &mfn, NULL));
    assert_int_equal(mfn, heap_frame(0) + SZ_2M / HAL_PAGE_SIZE - 1);
    assert_true(hal_translate(va + SZ_2M, &mfn, NULL));
    assert_int_equal(mfn, heap_frame(0) + SZ_2M / HAL_PAGE_SIZE);
    hal_unmap_frames(va, SZ_2M / HAL_PAGE_SIZE + 1);
}

static void test_fault_walk_fresh(void **state)
{
    uintptr_t base;
    size_t size;
    uintptr_t va;
    unsigned long before, nth, faults = 0, grown;
    hal_mfn_t mfn;
    int rc;

    hal_va_region(&base, &size);
    va = base;
    before = hal_pt_pages_in_use();
    for ( nth = 1; ; nth++ )
    {
        sim_fault_arm(HAL_FAULT_PT_ALLOC, nth);
        rc = hal_map_frames(va, heap_frame(0), 1, HAL_MAP_RW);
        if ( !sim_fault_fired() )
            break;
        faults++;
        assert_int_equal(rc, -ENOMEM);
        assert_int_equal(hal_pt_pages_in_use(), before);
        assert_false(hal_translate(va, &mfn, NULL));
        assert_true(nth < 10);
    }
    sim_fault_disarm();
    assert_int_equal(rc, 0);
    grown = hal_pt_pages_in_use() - before;
    /* One fault point per new table. */
    assert_int_equal(faults, grown);
    assert_true(grown >= 2 && grown <= 3);
    hal_unmap_frames(va, 1);
    assert_int_equal(hal_pt_pages_in_use(), before);
}

/* ---- the page-table provider ---- */

struct provider_state {
    hal_mfn_t next;              /* next frame to hand out */
    unsigned long allocs, frees;
    hal_mfn_t given[8], taken[8];
    bool fail;
};

static struct provider_state prov;

static int prov_alloc(hal_mfn_t *mfn)
{
    if ( prov.fail )
        return -ENOMEM;
    *mfn = prov.next++;
    /* Contents need not be zero: the backend clears the page. */
    memset(sim_machine_frame(*mfn), 0xcc, HAL_PAGE_SIZE);
    if ( prov.allocs < 8 )
        prov.given[prov.allocs] = *mfn;
    prov.allocs++;
    return 0;
}

static void prov_free(hal_mfn_t mfn)
{
    if ( prov.frees < 8 )
        prov.taken[prov.frees] = mfn;
    prov.frees++;
}

static const struct hal_pt_provider test_provider = {
    .alloc = prov_alloc,
    .free = prov_free,
};

static bool is_pool_frame(hal_mfn_t mfn)
{
    return mfn >= 1 && mfn < SIM_RESERVED_FRAMES;
}

static void test_pt_provider(void **state)
{
    uintptr_t a = region_va(0), b = region_va(1), c = region_va(2);
    unsigned long before = hal_pt_pages_in_use(), n, i, j;
    hal_mfn_t mfn;

    memset(&prov, 0, sizeof(prov));
    prov.next = heap_frame(100);

    /* Before registration: the bootstrap pool. */
    assert_int_equal(hal_map_frames(a, heap_frame(0), 1, HAL_MAP_RW), 0);
    assert_true(hal_pt_pages_in_use() > before);
    assert_int_equal(prov.allocs, 0);

    hal_map_set_pt_provider(&test_provider);
    /* A new 2 MiB piece needs exactly one new L1, from the provider. */
    n = hal_pt_pages_in_use();
    assert_int_equal(hal_map_frames(b, heap_frame(1), 1, HAL_MAP_RW), 0);
    assert_int_equal(hal_pt_pages_in_use(), n + 1);
    assert_int_equal(prov.allocs, 1);
    assert_false(is_pool_frame(prov.given[0]));
    /* The provider's garbage was cleared: the mapping works. */
    assert_true(hal_translate(b, &mfn, NULL));
    assert_int_equal(mfn, heap_frame(1));
    assert_false(hal_translate(b + HAL_PAGE_SIZE, &mfn, NULL));

    /* A provider failure changes nothing. */
    prov.fail = true;
    assert_int_equal(hal_map_frames(c, heap_frame(2), 1, HAL_MAP_RW),
                     -ENOMEM);
    assert_int_equal(hal_pt_pages_in_use(), n + 1);
    assert_false(hal_translate(c, &mfn, NULL));
    prov.fail = false;

    /* The pool's page goes back to the pool, not to the provider. */
    hal_unmap_frames(a, 1);
    assert_int_equal(prov.frees, 0);
    /* The provider's page goes back to the provider, even once the pool is
     * the source again. */
    hal_map_set_pt_provider(NULL);
    hal_unmap_frames(b, 1);
    assert_int_equal(prov.frees, 1);
    assert_int_equal(prov.taken[0], prov.given[0]);
    assert_int_equal(hal_pt_pages_in_use(), before);

    /* Registered again (same provider): a fresh 1 GiB piece takes every
     * level's table from it, and every one comes back. */
    hal_map_set_pt_provider(&test_provider);
    memset(&prov, 0, sizeof(prov));
    prov.next = heap_frame(200);
    {
        uintptr_t base;
        size_t size;

        hal_va_region(&base, &size);
        assert_int_equal(hal_map_frames(base, heap_frame(3), 1, 0), 0);
        assert_int_equal(prov.allocs, hal_pt_pages_in_use() - before);
        assert_true(prov.allocs >= 2);
        hal_unmap_frames(base, 1);
    }
    assert_int_equal(prov.frees, prov.allocs);
    for ( i = 0; i < prov.allocs; i++ )
    {
        for ( j = 0; j < prov.frees; j++ )
            if ( prov.taken[j] == prov.given[i] )
                break;
        assert_true(j < prov.frees);
    }
    assert_int_equal(hal_pt_pages_in_use(), before);
    hal_map_set_pt_provider(NULL);
}

static void test_pt_pool_exhaustion(void **state)
{
    uintptr_t va = region_va(0);
    unsigned long i, mapped = 0;
    int rc = 0;

    /* Each 2 MiB piece takes one L1 from the pool; the pool runs out. */
    for ( i = 0; i < SIM_PT_POOL_FRAMES + 1; i++ )
    {
        rc = hal_map_frames(va + i * SZ_2M, heap_frame(0), 1, 0);
        if ( rc )
            break;
        mapped++;
    }
    assert_int_equal(rc, -ENOMEM);
    assert_int_equal(hal_pt_pages_in_use(), SIM_PT_POOL_FRAMES);
    for ( i = 0; i < mapped; i++ )
        hal_unmap_frames(va + i * SZ_2M, 1);
    assert_int_equal(hal_pt_pages_in_use(), 1);
}

/* ---- TLB, upcalls, console ---- */

static hal_cpumask_t hook_mask;

static void hook(hal_cpumask_t cpus)
{
    hook_mask = cpus;
}

static void test_tlb_counts(void **state)
{
    assert_int_equal(sim_tlb_flush_count(), 0);
    hal_tlb_set_flush_hook(hook);
    hal_tlb_flush_range(3, region_va(0), 4);
    hal_tlb_flush_local_va(region_va(0));
    assert_int_equal(sim_tlb_flush_count(), 2);
    assert_int_equal(sim_tlb_flush_all_count(), 0);
    assert_int_equal(hook_mask, 0);
    hal_tlb_flush_all(5);
    assert_int_equal(sim_tlb_flush_count(), 3);
    assert_int_equal(sim_tlb_flush_all_count(), 1);
    assert_int_equal(hook_mask, 5);
}

struct upcall_seen {
    uint16_t domid;
    unsigned int vcpu;
    unsigned int calls;
};

static void upcall(uint16_t domid, unsigned int vcpu, void *arg)
{
    struct upcall_seen *s = arg;

    s->domid = domid;
    s->vcpu = vcpu;
    s->calls++;
}

static void test_upcall(void **state)
{
    struct upcall_seen s = { 0, 0, 0 };

    hal_guest_upcall(1, 0);
    assert_int_equal(sim_upcall_count(), 1);
    sim_set_upcall_handler(upcall, &s);
    hal_guest_upcall(7, 3);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.domid, 7);
    assert_int_equal(s.vcpu, 3);
    assert_int_equal(sim_upcall_count(), 2);
    sim_set_upcall_handler(NULL, NULL);
    hal_guest_upcall(7, 3);
    assert_int_equal(s.calls, 1);
    assert_int_equal(sim_upcall_count(), 3);
}

struct captured {
    char buf[64];
    size_t len;
    unsigned int calls;
};

static void capture(const char *s, size_t len, void *arg)
{
    struct captured *c = arg;

    memcpy(c->buf + c->len, s, len);
    c->len += len;
    c->calls++;
}

static void test_console_capture(void **state)
{
    struct captured c;

    memset(&c, 0, sizeof(c));
    sim_console_capture(capture, &c);
    hal_console_write("hello ", 6);
    hal_console_write("world", 5);
    sim_console_capture(NULL, NULL);
    assert_int_equal(c.calls, 2);
    assert_int_equal(c.len, 11);
    assert_memory_equal(c.buf, "hello world", 11);
}

/* ---- repeated machines ---- */

static void test_repeated_machines(void **state)
{
    struct sim_config cfg = { .mem_bytes = 8ULL << 20, .cpus = 2 };
    unsigned int round;
    uintptr_t va;

    sim_fini();     /* the one setup made */
    for ( round = 0; round < 8; round++ )
    {
        cfg.cpus = 1 + round % 3;
        assert_int_equal(sim_init(&cfg), 0);
        assert_int_equal(hal_cpu_count(), cfg.cpus);
        assert_int_equal(hal_cpu_id(), 0);
        assert_int_equal(hal_pt_pages_in_use(), 1);
        assert_int_equal(sim_fault_hits(HAL_FAULT_MAP), 0);
        assert_int_equal(sim_tlb_flush_count(), 0);
        /* Per-CPU storage starts empty and zeroed again. */
        assert_int_equal(hal_percpu_reserve(8, 8), 0);
        assert_int_equal(*(uint64_t *)hal_percpu_ptr(0, 0), 0);
        *(uint64_t *)hal_percpu_ptr(0, 0) = round + 1;
        /* Memory is fresh: what the last machine wrote is gone. */
        assert_int_equal(*(uint64_t *)sim_machine_frame(heap_frame(0)), 0);
        va = region_va(0);
        assert_int_equal(hal_map_frames(va, heap_frame(0), 1, HAL_MAP_RW), 0);
        *(volatile uint64_t *)va = 0xfeed;
        hal_tlb_flush_all(1);
        /* Left mapped on purpose: sim_fini drops everything. */
        sim_fini();
    }
    assert_int_equal(sim_init(&cfg), 0);    /* for teardown */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_config_checks),
        T(test_memmap_layout),
        T(test_machine_frame_view),
        T(test_unmapped_faults),
        T(test_readonly_faults_on_write),
        T(test_host_mapping_off),
        T(test_misuse_panics),
#ifndef NDEBUG
        /* The checks exist only in debug builds (hal/spinlock.h). */
        T(test_spinlock_debug_aborts),
        T(test_rwlock_debug_aborts),
#endif
        T(test_spinlock_contended),
        T(test_rwlock_contended),
        T(test_cpu_threads),
        T(test_percpu_limits),
        T(test_map_concurrent),
        T(test_fault_nth_once),
        T(test_fault_any_and_disarm),
        T(test_fault_absorbed),
        T(test_fault_walk_map),
        T(test_fault_walk_fresh),
        T(test_pt_provider),
        T(test_pt_pool_exhaustion),
        T(test_tlb_counts),
        T(test_upcall),
        T(test_console_capture),
        T(test_repeated_machines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
