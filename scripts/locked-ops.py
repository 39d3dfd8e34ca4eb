#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instructions and locked instructions per operation of one benchmark.

    scripts/locked-ops.py [--bin build/release/bin/hvbench] NAME [NAME...]

For each benchmark NAME (an hvbench --filter; end it with '$' to match the
whole name), runs hvbench under callgrind with per-instruction counts at two
iteration counts, and divides the difference by the difference in
iterations, so set-up and tear-down cancel out.  Locked instructions are
those of hvbench's own code (hvcore is linked in statically) that carry a
`lock` prefix or are an `xchg` with memory (implicitly locked on x86);
each is listed with its function and count per operation.  Like the
instruction count, the figure does not depend on the machine's load.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile


def objdump(binary):
    """Address -> (function, instruction text) for every instruction."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-w", binary],
                         check=True, capture_output=True, text=True).stdout
    insns, fn = {}, "?"
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
        if m:
            fn = m.group(2)
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if m:
            insns[int(m.group(1), 16)] = (fn, m.group(2).strip())
    return insns


def symbol(binary, name):
    out = subprocess.run(["nm", binary], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    sys.exit(f"locked-ops: no symbol {name} in {binary}")


def callgrind(binary, name, iterations):
    """Instruction address -> executions, for the binary's own code."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--dump-instr=yes",
                        "--compress-pos=no", "--compress-strings=no",
                        f"--callgrind-out-file={out}", binary, "--filter",
                        name, "--iterations", str(iterations), "--repeat",
                        "1"], check=True, capture_output=True)
        counts, total = collections.Counter(), 0
        main_addrs = []
        own = skip = False
        fn = ""
        npos = 1
        base = os.path.realpath(binary)
        with open(out) as f:
            for line in f:
                if line.startswith("positions:"):
                    npos = len(line.split()) - 1   # "instr line": 2
                elif line.startswith("ob="):
                    own = os.path.realpath(line[3:].strip()) == base
                elif line.startswith("fn="):
                    fn = line[3:].strip()
                elif line.startswith("calls="):
                    skip = True      # the next line is the call's cost
                elif line.startswith("0x"):
                    if skip:
                        skip = False
                        continue
                    fields = line.split()
                    addr, cost = fields[0], fields[npos]
                    total += int(cost)
                    if own:
                        counts[int(addr, 16)] += int(cost)
                        if fn == "main":
                            main_addrs.append(int(addr, 16))
        return counts, total, min(main_addrs)


def is_locked(text):
    op = text.split()[0]
    return op == "lock" or (op.startswith("xchg") and "(" in text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/release/bin/hvbench")
    ap.add_argument("--iterations", type=int, default=100000)
    ap.add_argument("--annotate", metavar="FUNCTION",
                    help="also list FUNCTION's instructions with their "
                         "executions per operation")
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    insns = objdump(args.bin)
    main_sym = symbol(args.bin, "main")
    n1, n2 = args.iterations, 2 * args.iterations
    for name in args.names:
        c1, t1, m1 = callgrind(args.bin, name, n1)
        c2, t2, m2 = callgrind(args.bin, name, n2)
        load = m1 - main_sym          # where valgrind loaded the PIE
        if m2 - main_sym != load or load % 4096:
            sys.exit("locked-ops: cannot place the binary's code")
        per = collections.Counter()
        if args.annotate:
            for addr in sorted(a for a, (fn, _) in insns.items()
                               if fn == args.annotate):
                n = (c2[addr + load] - c1[addr + load]) / (n2 - n1)
                print(f"  {n:6.2f} {addr:8x}  {insns[addr][1]}")
        for addr in set(c1) | set(c2):
            fn, text = insns.get(addr - load, ("?", "?"))
            if text != "?" and is_locked(text):
                per[(fn, text)] += (c2[addr] - c1[addr]) / (n2 - n1)
        locked = sum(per.values())
        print(f"{name}: {(t2 - t1) / (n2 - n1):.1f} instructions, "
              f"{locked:.2f} locked instructions per operation")
        for (fn, text), n in sorted(per.items(), key=lambda kv: -kv[1]):
            if n >= 0.005:
                print(f"    {n:6.2f}  {fn}: {text}")


if __name__ == "__main__":
    main()
