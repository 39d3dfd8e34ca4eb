/* SPDX-License-Identifier: MIT */
/*
 * The security classes and permissions hvcore checks: its contract with the
 * policy.  They must match libxsm/policy/security_classes and
 * libxsm/policy/access_vectors name for name and in order (a class is
 * numbered from 1 in declaration order, a permission is bit N-1 of the
 * access vector for the Nth one); the loader refuses a policy whose
 * classes differ (-EINVAL).  Names are Xen's; hvcore implements five of
 * Xen's classes, so the class numbers are hvcore's own.
 *
 *   FLASK_CLASS(name, number, permissions...)
 */
FLASK_CLASS(domain, 1,
    setvcpucontext, pause, unpause, resume, create, transition, max_vcpus,
    destroy, setvcpuaffinity, getvcpuaffinity, scheduler, getdomaininfo,
    getvcpuinfo, getvcpucontext, setdomainmaxmem, setdomainhandle,
    setdebugging, hypercall, settime, set_target, shutdown, setaddrsize,
    getaddrsize, trigger, getextvcpucontext, setextvcpucontext,
    getvcpuextstate, setvcpuextstate, getpodtarget, setpodtarget,
    set_misc_info, set_virq_handler)
FLASK_CLASS(mmu, 2,
    map_read, map_write, pageinfo, pagelist, adjust, stat, translategp,
    updatemp, physmap, pinpage, mfnlist, memorymap, remote_remap, mmuext_op,
    exchange, target_hack)
FLASK_CLASS(event, 3,
    bind, send, status, create, reset)
FLASK_CLASS(grant, 4,
    map_read, map_write, unmap, transfer, setup, copy, query)
FLASK_CLASS(security, 5,
    compute_av, compute_create, compute_member, check_context, load_policy,
    compute_relabel, setenforce, setbool, setsecparam, add_ocontext,
    del_ocontext)
