/*
 * ws_fault.h: fault knobs for the emulator and the tests, on a WebSocket
 * of either side. Nothing in the daemon breaks its own connections.
 */
#ifndef WS_FAULT_H
#define WS_FAULT_H

struct ws;

/*
 * From now on send nothing at all (no pongs, no data, no close frame)
 * while still reading: a peer that has silently gone away. 0 turns it
 * off again.
 */
void	ws_set_mute(struct ws *, int);
/*
 * Drop the TCP connection at once with a reset (SO_LINGER 0), no close
 * frame, no callbacks; then ws_free it.
 */
void	ws_abort(struct ws *);

#endif /* WS_FAULT_H */
