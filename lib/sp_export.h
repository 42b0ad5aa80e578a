/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What libspindle.so exports. The library is built with -fvisibility=hidden: a symbol is
 * exported only when it is declared between SP_EXPORT_BEGIN and SP_EXPORT_END, which every
 * installed header wraps around its declarations. Internal headers (lib/core/, lib/tcp/,
 * lib/wire/) do not, so their functions stay inside the library (unit tests and the fuzzer link
 * the static archive and still reach them). A program needs nothing from this header.
 */
#ifndef SP_EXPORT_H
#define SP_EXPORT_H

#if defined(__GNUC__)
#define SP_EXPORT_BEGIN _Pragma("GCC visibility push(default)")
#define SP_EXPORT_END	_Pragma("GCC visibility pop")
#else
#define SP_EXPORT_BEGIN
#define SP_EXPORT_END
#endif

#endif
