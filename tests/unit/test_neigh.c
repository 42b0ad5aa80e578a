/* SPDX-License-Identifier: BSD-3-Clause */
#include "sp_test.h"
int main(void){return 0;}
