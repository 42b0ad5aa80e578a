/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SPINDLE_APP_H
#define SPINDLE_APP_H
#include "spindle.h"
/* STUB: the app owner defines the program's internal interfaces here. */
#endif
