# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz_evtchn_op (see its header comment)."""
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

SELF, D1, D2, D3 = 0, 2, 4, 5          # pick_dom selectors


def hc(dom, vcpu, cmd, *args, legacy=False):
    """A hypercall step: op byte, cmd byte, argument bytes."""
    op = (dom << 6) | (vcpu << 3) | (0x10 if legacy else 0)
    return bytes([op, cmd]) + bytes(args)


def port(n):
    """pick_port: a small port number."""
    return n % 80


def seed(name, header, *steps):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([header]) + b"".join(steps))


def main():
    os.makedirs(OUT, exist_ok=True)
    # d2 offers a port to d1, d1 binds it and sends; status; close.
    seed("interdomain", 0x00,
         hc(1, 0, 6, SELF, D1),              # d2: alloc_unbound(self, 1)
         hc(0, 0, 0, D2, port(1)),           # d1: bind_interdomain(2, 1)
         hc(0, 0, 4, port(1)),               # d1: send 1
         hc(1, 1, 5, SELF, port(1)),         # d2: status
         hc(0, 1, 3, port(1)),               # d1: close 1
         hc(0, 0, 4, port(1)))
    # The same through the legacy hypercall.
    seed("legacy", 0x00,
         hc(1, 0, 6, SELF, D1, legacy=True),
         hc(0, 0, 0, D2, port(1), legacy=True),
         hc(0, 0, 4, port(1), legacy=True),
         hc(0, 0, 10, SELF, legacy=True))
    # IPIs, virqs, bind_vcpu, unmask, guest mutation of shared_info.
    seed("local", 0x00,
         hc(0, 0, 7, 1),                     # bind_ipi vcpu 1
         hc(0, 1, 1, 0, 1),                  # bind_virq TIMER vcpu 1
         hc(0, 0, 1, 11, 0),                 # bind_virq ARGO vcpu 0
         hc(0, 0, 8, port(3), 1),            # bind_vcpu 3 -> 1
         bytes([0x03, 1]) + struct.pack("<IQ", 320, 0xffffffffffffffff),
         hc(0, 0, 4, port(1)),
         hc(0, 0, 9, port(1)),
         bytes([0x04, 0, 0]),                # vcpu virq 0
         bytes([0x04, 1, 11]))               # domain virq ARGO
    # 3 levels for the control domain: bitmaps, L2s, send, reset.
    seed("threelevel", 0x02,
         hc(0, 0, 15, 1, 0, 1),              # bitmaps at RAM+0 / RAM+8
         hc(0, 0, 15, 2, 0, 16, 0, 0),       # L2 vcpu 0 at RAM+16
         hc(0, 1, 15, 2, 1, 17, 0, 0),       # L2 vcpu 1 at RAM+17
         hc(0, 0, 7, 0),
         hc(0, 0, 4, port(1)),
         bytes([0x03, 0x00]) + struct.pack("<IQ", 0, 0x2),
         hc(0, 0, 16),                       # query
         hc(0, 0, 10, SELF, 1, 2))           # reset, preempted
    # A 32-bit guest with the third domain as device model of domain 1.
    seed("compat_dm", 0x05,
         hc(1, 0, 7, 0),
         hc(2, 0, 6, D1, SELF),              # dm allocates in its target
         hc(2, 0, 15, 1, 3, 1),              # dm: 3 levels
         hc(1, 0, 4, port(1)),
         bytes([0x06 | (2 << 6), 0xd1, 1]))  # destroy the dm
    # Hypervisor-side: pirqs, consumers, global virq handler.
    seed("hypervisor", 0x02,
         hc(0, 0, 2, 3, 0),                  # bind_pirq 3
         bytes([0x04, 3, 3]),                # inject pirq 3
         bytes([0x05, 0x10, 0, D2]),         # consumer in d1 for d2
         hc(1, 0, 0, D1, port(2)),           # d2 binds it
         hc(1, 0, 4, port(1)),               # d2 sends: callback
         bytes([0x05, 0x08]),                # notify
         bytes([0x04, 4, 2]),                # d1 handles VIRQ_CONSOLE
         hc(0, 0, 1, 2, 0),
         bytes([0x04, 2, 2]),
         bytes([0x05, 0x04]))                # free the consumer
    # FIFO: control blocks for both vCPUs, an array page, IPIs on both
    # vCPUs, priorities, the guest rewriting an event word, an
    # interdomain peer, the dump, reset back to 2 levels.
    def fifo_arg(*b):
        return tuple(b) + (0,) * (24 - len(b))
    seed("fifo", 0x00,
         hc(0, 0, 11, *fifo_arg(0, 0, 0, 0)),    # vcpu 0: RAM+0, offset 0
         hc(0, 1, 11, *fifo_arg(0, 1, 2, 1)),    # vcpu 1: RAM+1, offset 64
         hc(0, 0, 12, *fifo_arg(0, 2)),          # array page RAM+2
         hc(0, 0, 7, 0),                         # ipi vcpu 0: port 1
         hc(0, 0, 7, 1),                         # ipi vcpu 1: port 2
         hc(0, 0, 13, port(1), 3),               # priority 3
         hc(0, 0, 4, port(1)),
         hc(0, 0, 4, port(2)),
         bytes([0x03, 4]) + struct.pack("<III", 0, 0x3001ffff, 0),
         hc(0, 0, 4, port(2)),
         hc(0, 0, 4, port(1)),
         hc(0, 0, 9, port(1)),
         hc(1, 0, 6, SELF, D1),                  # d2 offers a port to d1
         hc(0, 0, 0, D2, port(1)),
         hc(1, 0, 4, port(1)),
         bytes([0x06]),                          # dump d1
         hc(0, 0, 10, SELF, 0))
    # FLASK with the built-in policy, faults armed.
    seed("faults", 0x08,
         bytes([0x07, 0, 6, 0, SELF, D1]),
         bytes([0x07, 0, 2, 7, SELF, D1]),
         hc(0, 0, 7, 0), hc(0, 0, 7, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
