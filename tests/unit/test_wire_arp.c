/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP header view: a byte fixture, build/parse round trips, every rejection. */
#include <string.h>

#include <rte_arp.h>

#include "sp_test.h"

/* Who has 198.18.0.2? Tell 198.18.0.1 (02:00:00:00:00:01), as on the wire. */
static const uint8_t req_bytes[28] = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x01, 198, 18, 0, 1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198, 18, 0, 2};

static void
test_parse_fixture(void **state)
{
	static const struct rte_ether_addr zero = {{0}};
	struct sp_arp a;

	(void)state;
	assert_int_equal(sp_arp_parse(req_bytes, sizeof(req_bytes), &a), SP_WIRE_OK);
	assert_int_equal(a.htype, 1);
	assert_int_equal(a.ptype, 0x0800);
	assert_int_equal(a.hlen, 6);
	assert_int_equal(a.plen, 4);
	assert_int_equal(a.op, RTE_ARP_OP_REQUEST);
	assert_memory_equal(&a.sha, &t_peer_mac, 6);
	assert_memory_equal(&a.tha, &zero, 6);
	assert_int_equal(a.spa, T_PEER_IP);
	assert_int_equal(a.tpa, T_OUR_IP);
	/* Trailing bytes (Ethernet padding) are not part of the header. */
	{
		uint8_t padded[46] = {0};

		memcpy(padded, req_bytes, sizeof(req_bytes));
		assert_int_equal(sp_arp_parse(padded, sizeof(padded), &a), SP_WIRE_OK);
		assert_int_equal(a.tpa, T_OUR_IP);
	}
}

static void
test_build_fixture_and_round_trip(void **state)
{
	struct sp_arp a, b;
	uint8_t buf[40];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.htype = 1;
	a.ptype = 0x0800;
	a.hlen = 6;
	a.plen = 4;
	a.op = RTE_ARP_OP_REQUEST;
	a.sha = t_peer_mac;
	a.spa = T_PEER_IP;
	a.tpa = T_OUR_IP;
	memset(buf, 0xee, sizeof(buf));
	sp_arp_build(buf, &a);
	assert_memory_equal(buf, req_bytes, sizeof(req_bytes));
	assert_int_equal(buf[28], 0xee); /* exactly 28 bytes written */

	a.op = RTE_ARP_OP_REPLY;
	a.sha = t_our_mac;
	a.tha = t_peer_mac;
	a.spa = 0xc0a80101;
	a.tpa = 0x0a000001;
	sp_arp_build(buf, &a);
	assert_int_equal(sp_arp_parse(buf, 28, &b), SP_WIRE_OK);
	assert_int_equal(b.op, RTE_ARP_OP_REPLY);
	assert_memory_equal(&b.sha, &t_our_mac, 6);
	assert_memory_equal(&b.tha, &t_peer_mac, 6);
	assert_int_equal(b.spa, 0xc0a80101);
	assert_int_equal(b.tpa, 0x0a000001);
	assert_int_equal(buf[7], 2); /* opcode big-endian */
	assert_int_equal(buf[14], 0xc0);
	assert_int_equal(buf[27], 0x01);
}

static void
test_parse_rejections(void **state)
{
	uint8_t b[28];
	struct sp_arp a;
	size_t len;

	(void)state;
	for (len = 0; len < 28; len++)
		assert_int_equal(sp_arp_parse(req_bytes, len, &a), SP_WIRE_TRUNC);

	/* Hardware type and length: the fields are filled so the caller can tell which. */
	memcpy(b, req_bytes, 28);
	b[1] = 6; /* IEEE 802 */
	assert_int_equal(sp_arp_parse(b, 28, &a), SP_WIRE_BAD_FIELD);
	assert_int_equal(a.htype, 6);
	memcpy(b, req_bytes, 28);
	b[4] = 8;
	assert_int_equal(sp_arp_parse(b, 28, &a), SP_WIRE_BAD_FIELD);
	assert_int_equal(a.hlen, 8);
	assert_int_equal(a.htype, 1);

	/* Protocol type and length. */
	memcpy(b, req_bytes, 28);
	b[2] = 0x86;
	b[3] = 0xdd;
	assert_int_equal(sp_arp_parse(b, 28, &a), SP_WIRE_BAD_FIELD);
	assert_int_equal(a.ptype, 0x86dd);
	assert_int_equal(a.htype, 1);
	assert_int_equal(a.hlen, 6);
	memcpy(b, req_bytes, 28);
	b[5] = 16;
	assert_int_equal(sp_arp_parse(b, 28, &a), SP_WIRE_BAD_FIELD);
	assert_int_equal(a.plen, 16);

	/* The opcode is the caller's business (arp.c counts arp_bad_op). */
	memcpy(b, req_bytes, 28);
	b[7] = 3;
	assert_int_equal(sp_arp_parse(b, 28, &a), SP_WIRE_OK);
	assert_int_equal(a.op, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fixture),
		cmocka_unit_test(test_build_fixture_and_round_trip),
		cmocka_unit_test(test_parse_rejections),
	};

	return cmocka_run_group_tests_name("wire_arp", tests, NULL, NULL);
}
