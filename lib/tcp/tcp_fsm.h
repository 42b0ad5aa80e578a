/* SPDX-License-Identifier: BSD-3-Clause */
/* The eleven connection states of RFC 9293 3.3.2. */
#ifndef SP_TCP_FSM_H
#define SP_TCP_FSM_H

enum sp_tcp_state {
	SP_TCP_CLOSED = 0,
	SP_TCP_LISTEN,
	SP_TCP_SYN_SENT,
	SP_TCP_SYN_RECEIVED,
	SP_TCP_ESTABLISHED,
	SP_TCP_FIN_WAIT_1,
	SP_TCP_FIN_WAIT_2,
	SP_TCP_CLOSE_WAIT,
	SP_TCP_CLOSING,
	SP_TCP_LAST_ACK,
	SP_TCP_TIME_WAIT,
};

/** RFC 9293 names ("ESTABLISHED", ...). */
const char *sp_tcp_state_name(enum sp_tcp_state s);

#endif
