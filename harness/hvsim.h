/* SPDX-License-Identifier: MIT */
/* hvsim's subcommands and the helpers they share. */
#ifndef HARNESS_HVSIM_H
#define HARNESS_HVSIM_H

#include <stdbool.h>
#include <stdint.h>

/* One named size or count for `hvsim layout`. */
struct layout_entry {
    const char *name;
    unsigned long long value;
};

/* NULL-name-terminated lists, one per area (layout_<area>.c). */
extern const struct layout_entry *const hvsim_layout_lists[];

int hvsim_cmd_world(int argc, char **argv);
int hvsim_cmd_layout(int argc, char **argv);

#endif /* HARNESS_HVSIM_H */
