# SPDX-License-Identifier: MIT
# Compiler flags, as INTERFACE targets that other targets link.

# Warnings for every target of the project.
add_library(hvcore_warnings INTERFACE)
target_compile_options(hvcore_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wno-unused-parameter -Wpointer-arith -Wvla)
if(HVCORE_WERROR)
  target_compile_options(hvcore_warnings INTERFACE -Werror)
endif()

# Core code (common/, lib*/, the HAL contract's users): no host headers in any
# build, so a libc include fails on the laptop as it would on bare metal.
add_library(hvcore_core_flags INTERFACE)
target_compile_options(hvcore_core_flags INTERFACE
  $<$<COMPILE_LANGUAGE:C>:-nostdinc>)
target_link_libraries(hvcore_core_flags INTERFACE hvcore_warnings)

# Freestanding bare-metal flags (reference/boot.md, "Compiling").
set(HVCORE_FREESTANDING_FLAGS
  -ffreestanding -fno-pic -fno-pie -fno-stack-protector
  -fno-asynchronous-unwind-tables -mno-red-zone -fno-builtin)
if(HVCORE_HAL STREQUAL "x86_64")
  target_compile_options(hvcore_core_flags INTERFACE ${HVCORE_FREESTANDING_FLAGS})
  target_compile_definitions(hvcore_core_flags INTERFACE HVCORE_FREESTANDING=1)
endif()

if(HVCORE_DIRECTMAP STREQUAL "full")
  set(HVCORE_DIRECTMAP_FULL 1)
else()
  set(HVCORE_DIRECTMAP_FULL 0)
endif()
