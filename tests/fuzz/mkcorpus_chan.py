#!/usr/bin/env python3
"""Write the seed corpus of fuzz_chan: scripts of events (see the opcodes
at the top of tests/fuzz/fuzz_chan.c) that take one chan through the
handshake, data both ways, acks in and out of order, duplicates, a bad
digest, pauses, flags, a lost WebSocket and ResumeSession, and every way
of ending.

Usage: tests/fuzz/mkcorpus_chan.py   (from the top of the tree). Files are
named by the SHA-1 of their content. Not run by make: the corpus is
committed.
"""

import hashlib
import os
import struct
import uuid

top = os.path.join("tests", "fuzz", "corpus", "chan")


def put(data):
    os.makedirs(top, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(top, name), "wb") as f:
        f.write(data)


def msg(mtype, seq, ptype, payload, corrupt=False):
    """An agent message (ssm-data-channel.md 4.1)."""
    u = uuid.uuid5(uuid.NAMESPACE_OID, "%s-%d" % (mtype, seq)).bytes
    digest = hashlib.sha256(payload).digest()
    if corrupt:
        digest = bytes(32)
    flags = 3 if mtype == "acknowledge" else (1 if seq == 0 else 0)
    head = struct.pack(">I32sIQqQ", 116, mtype.ljust(32).encode(), 1,
                       1700000000000, seq, flags)
    head += u[8:] + u[:8] + digest + struct.pack(">II", ptype, len(payload))
    return head + payload


def ws(m):
    return bytes([0]) + struct.pack(">H", len(m)) + m


def text(t):
    return bytes([1]) + struct.pack(">H", len(t)) + t


def clock(n):
    return bytes([2, n])


LOST, OPEN, READY, TERMINATE = bytes([3]), bytes([4]), bytes([6]), bytes([8])


def send(n):
    return bytes([5, n])


def answer(n=0):
    return bytes([7, n])


def flag(n):
    return bytes([9, n])


def data(seq, p=b"hello"):
    return ws(msg("output_stream_data", seq, 1, p))


def ack(seq):
    p = ('{"AcknowledgedMessageType":"input_stream_data",'
         '"AcknowledgedMessageId":"dd01e56b-ff48-483e-a508-b5f073f31b16",'
         '"AcknowledgedMessageSequenceNumber":%d,'
         '"IsSequentialMessage":true}' % seq).encode()
    return ws(msg("acknowledge", 0, 0, p))


def hs_request(version=b"3.3.987.0", session_type=b"Port"):
    p = (b'{"AgentVersion":"' + version + b'","RequestedClientActions":'
         b'[{"ActionType":"SessionType","ActionParameters":{"SessionType":"'
         + session_type + b'","Properties":{"portNumber":"22",'
         b'"type":"LocalPortForwarding"}}}]}')
    return ws(msg("output_stream_data", 0, 5, p))


def hs_complete(seq=1):
    p = b'{"HandshakeTimeToComplete":31502000,"CustomerMessage":""}'
    return ws(msg("output_stream_data", seq, 7, p))


def control(name, payload=b"x"):
    return ws(msg(name, 0, 0, payload))


start = answer(0) + OPEN
opened = start + hs_request() + ack(0) + hs_complete()

put(start)
put(opened)
put(opened + send(40) + ack(1) + ack(2) + data(2) + data(4) + data(3)
    + data(3) + clock(10) + clock(10))
put(opened + READY + data(2) + data(3) + READY + clock(1))
put(opened + ws(msg("output_stream_data", 2, 1, b"bad", True)) + data(2))
put(opened + control("pause_publication") + send(10) + clock(50)
    + control("start_publication") + clock(10))
put(opened + flag(1) + ws(msg("output_stream_data", 2, 10,
                              struct.pack(">I", 3))) + flag(2))
put(opened + control("channel_closed",
                     b'{"MessageType":"channel_closed","Output":"bye"}'))
put(opened + send(20) + TERMINATE + ack(1) + clock(30) + ack(2) + answer(0)
    + clock(50))
put(opened + send(20) + LOST + clock(5) + answer(1) + OPEN + ack(1)
    + data(2))
put(opened + LOST + clock(5) + answer(2))
put(opened + LOST + clock(5) + answer(5))
put(opened + LOST + clock(5) + answer(6) + clock(20) + answer(3))
put(start + LOST + clock(5) + LOST + clock(10) + LOST + clock(20)
    + answer(1) + OPEN + hs_request() + hs_complete())
put(start + clock(255) + clock(255) + clock(255) + answer(0))
put(start + hs_request(session_type=b"Standard_Stream"))
put(start + hs_request(b"2.3.700.0") + hs_complete() + TERMINATE
    + clock(100) + answer(0))
put(start + hs_complete(0) + hs_request())
put(opened + text(b'{"hello":1}') + control("agent_session_state")
    + control("whatever_else"))
put(answer(7))
put(TERMINATE + answer(0) + answer(0))
# Flags until the ring is full, then terminate: the TerminateSession flag
# of the close path must still find room (issue 10, finding 5).
put(opened + flag(1) * 40 + TERMINATE + clock(1) + clock(60) + answer(0)
    + clock(200))
