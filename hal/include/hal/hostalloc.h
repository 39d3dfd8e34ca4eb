/* SPDX-License-Identifier: MIT */
/*
 * HAL service: the host allocator, an option of the simulator only.
 *
 * When libmm is configured with HVCORE_XMALLOC_HOST, xmalloc passes small
 * objects through to these so ASan and Valgrind see every block.  The
 * bare-metal backend does not implement them and its builds never set the
 * option.  Alignment is at most HAL_PAGE_SIZE.
 */
#ifndef HAL_HOSTALLOC_H
#define HAL_HOSTALLOC_H

#include <hal/types.h>

void *hal_host_alloc(size_t size, size_t align);
void hal_host_free(void *p);

#endif /* HAL_HOSTALLOC_H */
