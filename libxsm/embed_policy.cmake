# SPDX-License-Identifier: MIT
# Writes a binary policy as a C byte array (the built-in policy, as Xen's
# CONFIG_XSM_FLASK_POLICY): cmake -DIN=policy -DOUT=file.c -P embed_policy.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" len)
math(EXPR size "${len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    " bytes "${bytes}")
file(WRITE ${OUT} "/* SPDX-License-Identifier: MIT */\n/* Generated from hvcore's default policy by embed_policy.cmake. */\n#include <libxsm/xsm.h>\n\nconst unsigned char xsm_builtin_policy[] = {\n    ${bytes}\n};\nconst size_t xsm_builtin_policy_size = ${size};\n")
