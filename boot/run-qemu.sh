#!/bin/sh
# SPDX-License-Identifier: MIT
# Boots an hvcore kernel under QEMU and reports through the exit status.
#
#   boot/run-qemu.sh KERNEL [--show]
#
# KERNEL is the elf32-i386 copy (QEMU's multiboot loader refuses ELF64).
# Exits 0 only when QEMU exited 33, i.e. the kernel wrote X86_EXIT_PASS
# (0x10) to the isa-debug-exit port; a triple fault (QEMU exits 0), QEMU's
# own errors (1), a failed test (35), a panic or CPU exception (37) and a
# hang (timeout: 124) all fail.  The serial log is printed on failure, and
# always with --show.
set -u

usage() {
    echo "usage: $0 KERNEL [--show]" >&2
    exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
kernel=$1
show=0
if [ $# -eq 2 ]; then
    [ "$2" = "--show" ] || usage
    show=1
fi
if [ ! -f "$kernel" ]; then
    echo "run-qemu: no kernel at $kernel" >&2
    exit 2
fi

log=$(mktemp "${TMPDIR:-/tmp}/hvcore-boot.XXXXXX")
trap 'rm -f "$log"' EXIT INT TERM

start=$(date +%s%N)
timeout -k 5 60 qemu-system-x86_64 -accel tcg -machine pc -m 128M -smp 2 \
    -display none -serial stdio -monitor none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$kernel" </dev/null >"$log" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))

case $rc in
    33) verdict="PASS: every test passed" ;;
    35) verdict="FAIL: a test failed" ;;
    37) verdict="FAIL: hal_panic or CPU exception" ;;
    124|137) verdict="FAIL: timed out" ;;
    0) verdict="FAIL: triple fault or reset (QEMU exit 0)" ;;
    1) verdict="FAIL: QEMU error" ;;
    *) verdict="FAIL: unexpected QEMU exit $rc" ;;
esac

if [ $show -eq 1 ] || [ $rc -ne 33 ]; then
    cat "$log"
fi
echo "run-qemu: $verdict (QEMU exit $rc, ${ms} ms)"
[ $rc -eq 33 ]
