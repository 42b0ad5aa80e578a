/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB */
#include "spindle_app.h"
