#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# ClusterFuzzLite runs $SRC/build.sh; the build is OSS-Fuzz's.
exec "$SRC/hvcore/fuzz/oss-fuzz/build.sh"
