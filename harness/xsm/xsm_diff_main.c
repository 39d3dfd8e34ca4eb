/* SPDX-License-Identifier: MIT */
/* A stand-alone `hvsim xsm` for the harness tests (hvsim xsm ARGS...). */
#include "hvsim_xsm.h"

int main(int argc, char **argv)
{
    return hvsim_xsm_main(argc, argv);
}
