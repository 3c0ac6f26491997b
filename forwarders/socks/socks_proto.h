/*
 * socks_proto.h: SOCKS5 on the wire (RFC 1928), with username/password
 * sub-negotiation (RFC 1929). No I/O and no allocation: bytes in, a
 * message out, and the replies as bytes.
 *
 * A client sends, in order: a greeting (the methods it offers), with the
 * password method its username and password, then one request. The parser
 * takes bytes as they come, in pieces of any size, and copies at most one
 * message (SOCKS_MSG_MAX bytes) into itself: what follows a complete
 * message is left to the caller, for the next message or for the far side.
 */
#ifndef SOCKS_PROTO_H
#define SOCKS_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* The longest message: a username and a password of 255 bytes each. */
#define SOCKS_MSG_MAX		(1 + 1 + 255 + 1 + 255)

#define SOCKS_VERSION		0x05
#define SOCKS_AUTH_VERSION	0x01	/* of the RFC 1929 sub-negotiation */

/* Methods (the greeting, and the server's choice). */
#define SOCKS_METHOD_NONE	0x00
#define SOCKS_METHOD_PASSWORD	0x02
#define SOCKS_METHOD_REFUSE	0xff	/* no acceptable method */

/* Commands. */
#define SOCKS_CMD_CONNECT	0x01
#define SOCKS_CMD_BIND		0x02
#define SOCKS_CMD_UDP		0x03	/* UDP ASSOCIATE */

/* Address types. */
#define SOCKS_ATYP_IPV4		0x01
#define SOCKS_ATYP_DOMAIN	0x03
#define SOCKS_ATYP_IPV6		0x04

/* Reply codes (the REP field). */
#define SOCKS_REP_OK		0x00
#define SOCKS_REP_FAILURE	0x01	/* general SOCKS server failure */
#define SOCKS_REP_NOT_ALLOWED	0x02	/* connection not allowed by ruleset */
#define SOCKS_REP_NET_UNREACH	0x03
#define SOCKS_REP_HOST_UNREACH	0x04
#define SOCKS_REP_REFUSED	0x05	/* connection refused */
#define SOCKS_REP_TTL		0x06
#define SOCKS_REP_COMMAND	0x07	/* command not supported */
#define SOCKS_REP_ATYP		0x08	/* address type not supported */

/* The length of the replies the builders below write. */
#define SOCKS_METHOD_REPLY_LEN	2
#define SOCKS_AUTH_REPLY_LEN	2
#define SOCKS_REPLY_LEN		10	/* with BND.ADDR 0.0.0.0:0 */

/* Where a request goes: an address or a name, and a port. */
struct socks_dest {
	uint8_t		 atyp;		/* SOCKS_ATYP_* */
	uint8_t		 addr[16];	/* IPV4: 4 bytes, IPV6: 16 */
	char		 name[256];	/* DOMAIN: as sent, NUL-terminated */
	uint16_t	 port;		/* host order */
};

/* The message the parser waits for. */
enum socks_phase {
	SOCKS_PHASE_GREETING,
	SOCKS_PHASE_AUTH,
	SOCKS_PHASE_REQUEST,
	SOCKS_PHASE_DONE,	/* a request was parsed; nothing more */
	SOCKS_PHASE_FAILED,	/* malformed input; nothing more */
};

/* What socks_proto_parse found. */
enum socks_result {
	SOCKS_MORE,		/* every byte taken; the message goes on */
	SOCKS_GREETING,		/* a greeting: see methods */
	SOCKS_AUTH,		/* a username and password */
	SOCKS_REQUEST,		/* a request: see cmd and dest */
	SOCKS_BAD,		/* malformed: see why and reply */
};

struct socks_parser {
	enum socks_phase	 phase;
	uint8_t			 buf[SOCKS_MSG_MAX];
	size_t			 have;	/* bytes of the message in buf */
	size_t			 need;	/* its length, as far as known */

	/* The greeting: bit m set when method m (0-31) is offered. */
	uint32_t		 methods;

	/* The sub-negotiation: NUL-terminated; wiped by _clear. */
	char			 user[256];
	char			 password[256];

	/* The request. */
	uint8_t			 cmd;
	struct socks_dest	 dest;

	/*
	 * SOCKS_BAD: why, for a log line (never the input's text), and the
	 * reply the client should get: a SOCKS_REP_* code for a request,
	 * SOCKS_METHOD_REFUSE for a greeting, 1 for the sub-negotiation,
	 * or -1 for none (the client does not speak SOCKS5).
	 */
	char			 why[64];
	int			 reply;
};

/* Start a parser: the greeting comes first. */
void	socks_proto_init(struct socks_parser *);

/*
 * Take bytes from buf. Return SOCKS_MORE with all len taken, or what the
 * message that ends at *used is (the bytes after it are the caller's), or
 * SOCKS_BAD with p->why and p->reply set (*used says where it went wrong).
 * Once a message is returned, the parser moves to the next one: after a
 * greeting the caller says which (socks_proto_expect); after a
 * sub-negotiation it is the request; after a request, or SOCKS_BAD,
 * nothing more is taken (SOCKS_BAD, *used 0).
 */
enum socks_result socks_proto_parse(struct socks_parser *, const uint8_t *buf,
	    size_t len, size_t *used);

/* After a greeting: method was chosen, the next message is its. */
void	socks_proto_expect(struct socks_parser *, uint8_t method);

/* 1 if the greeting offered method. */
int	socks_proto_offers(const struct socks_parser *, uint8_t method);

/* Wipe the credentials and the message buffer. */
void	socks_proto_clear(struct socks_parser *);

/* The server's replies; out holds at least the _LEN above. */
size_t	socks_proto_method_reply(uint8_t *out, uint8_t method);
size_t	socks_proto_auth_reply(uint8_t *out, int ok);
/* A reply to a request, with BND.ADDR 0.0.0.0 and BND.PORT 0. */
size_t	socks_proto_reply(uint8_t *out, uint8_t rep);

/* A reply code in words, for logs ("connection refused"). */
const char *socks_proto_rep_name(uint8_t rep);

/*
 * The destination as text into out (at least SOCKS_DEST_STR_MAX):
 * "10.0.0.5:5432", "[2001:db8::1]:443", "db.internal:5432". Bytes of a
 * name that are not printable become '?' (it goes in logs).
 */
#define SOCKS_DEST_STR_MAX	(256 + 2 + 1 + 5 + 1)
void	socks_proto_dest_str(const struct socks_dest *, char *out, size_t len);

#endif /* SOCKS_PROTO_H */
