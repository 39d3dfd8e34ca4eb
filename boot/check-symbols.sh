#!/bin/sh
# SPDX-License-Identifier: MIT
# Proves the core libraries are freestanding: every symbol they leave
# undefined must be
#   - defined by one of the core libraries themselves,
#   - a HAL contract function (hal_*) named in the contract headers,
#   - one of the mem* functions the compiler may call (common/string.c
#     provides them in the boot build), or
#   - a compiler runtime (libgcc) helper such as __popcountdi2.
#
#   boot/check-symbols.sh CONTRACT_DIR ARCHIVE...
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 CONTRACT_DIR ARCHIVE..." >&2
    exit 2
fi
contract=$1
shift
NM=${NM:-nm}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hvcore-syms.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

for a in "$@"; do
    if [ ! -f "$a" ]; then
        echo "check-symbols: missing archive $a" >&2
        exit 2
    fi
done

# Everything the core libraries define (global or weak).
for a in "$@"; do
    "$NM" -P --defined-only "$a" 2>/dev/null
done | awk 'NF >= 2 && $2 ~ /^[A-TV-Z]$/ { print $1 }' | sort -u \
    >"$tmp/defined"

# The HAL contract's names.
grep -ho '\<hal_[a-z0-9_]*\>' "$contract"/*.h | sort -u >"$tmp/contract"

status=0
count=0
for a in "$@"; do
    for sym in $("$NM" -P -u "$a" 2>/dev/null |
               awk 'NF >= 2 && ($2 == "U" || $2 == "w") { print $1 }' |
               sort -u); do
        count=$((count + 1))
        if grep -qx "$sym" "$tmp/defined" || grep -qx "$sym" "$tmp/contract"; then
            continue
        fi
        case $sym in
            memcpy|memset|memmove|memcmp) continue ;;
        esac
        if echo "$sym" | grep -Eq '^__[a-z]+(qi|hi|si|di|ti|sf|df|xf|tf)[0-9]$'; then
            continue
        fi
        echo "check-symbols: $(basename "$a") needs '$sym', which is not core," \
             "HAL contract, mem* or compiler runtime"
        status=1
    done
done

if [ $status -eq 0 ]; then
    echo "check-symbols: $# archives, $count undefined references, all" \
         "core, HAL contract, mem* or compiler runtime"
fi
exit $status
