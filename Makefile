# SPDX-License-Identifier: MIT
# Thin wrappers over the CMake presets.  `make demo` and `make test` are the
# README's two commands; both install what they need first (scripts/deps.sh).

.PHONY: all deps demo test bench fuzz fuzz-campaign boot clean

all: deps
	cmake --preset dev && cmake --build --preset dev

deps:
	@scripts/deps.sh

demo: deps
	@scripts/demo.sh

test: deps
	@scripts/test.sh

bench: deps
	@scripts/bench.sh

fuzz: deps
	cmake --preset fuzz && cmake --build --preset fuzz
	@scripts/fuzz.sh

# Every fuzz target at once on all cores for FUZZ_SECONDS (default 3600).
fuzz-campaign: deps
	cmake --preset fuzz && cmake --build --preset fuzz --target hvcore_fuzzers
	@scripts/fuzz-campaign.sh

boot: deps
	cmake --preset boot && cmake --build --preset boot
	ctest --preset boot

clean:
	rm -rf build
