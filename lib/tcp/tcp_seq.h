/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence numbers (RFC 9293 3.4): modulo 2^32, compared only through these wrap-safe macros,
 * valid while the two numbers are less than 2^31 apart.
 */
#ifndef SP_TCP_SEQ_H
#define SP_TCP_SEQ_H

#include <stdint.h>

typedef uint32_t sp_seq_t;

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

#endif
