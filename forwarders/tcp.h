/*
 * tcp.h: what the tcp forwarder exports beyond struct forwarder fwd_tcp
 * (forwarder.h).
 */
#ifndef TCP_H
#define TCP_H

struct evdns_base;

/*
 * The resolver fwd_tcp uses, made on first use on gw_base (resolv.conf and
 * /etc/hosts). Tests load their own hosts into it.
 */
struct evdns_base *fwd_tcp_get_dns(void);

/* Free the resolver (at exit, before gw_base goes). */
void	 fwd_tcp_free_dns(void);

#endif /* TCP_H */
