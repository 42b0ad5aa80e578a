/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB */
int main(void) { return 0; }
