#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz_gnttab_op (format in fuzz_gnttab_op.c).

Run from anywhere: python3 fuzz/gnttab/gen_seeds.py [outdir]
"""
import os
import sys

(GRANT, GRANT_V2, GRANT_XFER, END, MAP, UNMAP, UNMAP_RAW, COPY, VERSION,
 XFER, SWAP, TABLE, HOSTILE) = range(13)
THREADED, PREEMPT = 1, 2
# Domain picks (pick_dom): 0 -> 1 (A), 1 -> 2 (B), 2 -> 3 (C), 3 -> SELF.
A, B, C, SELF = 0, 1, 2, 3


def step(op, *args):
    args = list(args) + [0] * (8 - len(args))
    return bytes([op] + [a & 0xff for a in args[:8]])


def header(flags=0, order=0):
    return bytes([flags, order, 0, 0])


# A grants refs 0..3 (gfns 10..13) to B; B maps, copies, unmaps.
basic = (step(GRANT, A, 0, 0, B, 10) + step(GRANT, A, 1, 1, B, 11) +
         step(GRANT, A, 2, 0, B, 12) + step(GRANT, A, 3, 0, C, 13) +
         # B maps refs 0..3 of A: host rw, host ro, host+device, device.
         step(MAP, B, 3, 0x02, 0x0e, 0x13, 0x01, 0, A) +
         step(COPY, B, 1, 0x05, 0x06, 0, 0, 1, 2) +
         step(UNMAP, 3, 0, 1, 2, 3, 0) +
         step(END, A, 0) + step(END, A, 1))
seeds = {
    'basic': header() + basic,
    'basic-threaded': header(THREADED) + basic,
    'basic-preempt': header(PREEMPT, 1) + basic,
    # Version switches with reserved entries pinned, v2 sub-page and
    # transitive copies (C grants to A, A transitively to B).
    'v2': header(0, 2) + (
        step(VERSION, A, 2) + step(VERSION, B, 2) + step(VERSION, C, 2) +
        step(GRANT, C, 5, 0, A, 20) +
        step(GRANT_V2, A, 6, 0, B, 0, C, 5) +
        step(GRANT_V2, A, 7, 1, B, 10, 16, 32) +
        step(COPY, B, 1, 0x01, 0x01, 0, 0, 6, 0) +
        step(COPY, B, 0, 0x01, 0, 0, 0, 7, 0) +
        step(MAP, B, 0, 0x02, 0, 0, 0, 6, A) +
        step(VERSION, A, 1) + step(TABLE, A, 3, 2, 1)),
    # Transfers: B offers refs, A flips gfns 30 and 31 over; bad ones too.
    'transfer': header() + (
        step(GRANT_XFER, B, 8, 0, A, 0) + step(GRANT_XFER, B, 9, 0, A, 1) +
        step(XFER, A, 30, B, 8) + step(XFER, A, 31, B, 9) +
        step(XFER, A, 32, C, 8) + step(XFER, A, 33, B, 8)),
    # Swaps, table ops on other domains, raw unmaps of garbage handles.
    'table': header(0, 1) + (
        step(GRANT, A, 4, 0, B, 14) + step(SWAP, A, 4, 5) +
        step(SWAP, A, 4, 0x80) + step(TABLE, B, A, 0, 4) +
        step(TABLE, A, SELF, 0, 66) + step(TABLE, C, B, 1) +
        step(UNMAP_RAW, B, 0, 0, 0, 0xff, 0xff, 0x80) +
        step(UNMAP_RAW, B, 205, 3, 5, 0, 0)),
    # The hostile granter rewrites entries between maps and copies.
    'hostile': header(THREADED, 2) + (
        step(GRANT, A, 0, 0, B, 10) + step(GRANT, A, 1, 0, B, 11) +
        step(HOSTILE, A, 0, 7, 9, 7) +
        step(MAP, B, 3, 0x02, 0x06, 0x0a, 0x03, 0, A) +
        step(HOSTILE, A, 0, 1, 2, 7) +
        step(COPY, B, 3, 0x05, 0x06, 0x07, 0x05, 0, 1) +
        step(UNMAP, 3, 0, 1, 2, 3, 0)),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'corpus')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, 'seed-' + name), 'wb') as f:
        f.write(data)
