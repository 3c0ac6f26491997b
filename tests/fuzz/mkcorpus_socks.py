#!/usr/bin/env python3
"""Write the seed corpus of fuzz_socks: SOCKS5 conversations, good and
bad, as a client sends them. The first byte plays the server (see
fuzz_socks.c): bit 0 chooses the password method when it is offered,
bits 1-4 the size of the pieces the bytes come in.

Usage: tests/fuzz/mkcorpus_socks.py   (run from the top of the tree).
Files are named by the SHA-1 of their content, as libFuzzer names its
own, so running it again adds nothing new. Not run by make: the corpus
is committed.
"""

import hashlib
import os
import struct

top = os.path.join("tests", "fuzz", "corpus", "socks")

NONE = b"\x05\x01\x00"
BOTH = b"\x05\x02\x00\x02"


def put(data):
    os.makedirs(top, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(top, name), "wb") as f:
        f.write(data)


def req(cmd, atyp, addr, port):
    return bytes([5, cmd, 0, atyp]) + addr + struct.pack(">H", port)


def name(host):
    return bytes([len(host)]) + host


def auth(user, password):
    return bytes([1, len(user)]) + user + bytes([len(password)]) + password


v4 = req(1, 1, bytes([10, 0, 0, 5]), 5432)
v6 = req(1, 4, bytes.fromhex("20010db8000000000000000000000001"), 443)
dom = req(1, 3, name(b"db.internal"), 80)
inst = req(1, 3, name(b"i-0123456789abcdef0.eu-west-1"), 22)

seeds = [
    NONE + v4, NONE + v6, NONE + dom, NONE + inst,
    NONE + dom + b"GET / HTTP/1.0\r\n\r\n",
    BOTH + auth(b"alice", b"secret") + dom,
    BOTH + auth(b"u" * 255, b"p" * 255) + v4,
    NONE + req(1, 3, name(b"a" * 255), 22),
    NONE + req(2, 1, bytes(4), 0),            # BIND
    NONE + req(3, 1, bytes(4), 0),            # UDP ASSOCIATE
    NONE + req(1, 2, bytes(4), 22),           # address type 2
    NONE + req(1, 3, b"\x00", 22),            # empty name
    NONE + req(1, 3, name(b"a\x00.internal"), 22),
    NONE + bytes([5, 1, 1, 1]) + bytes(6),    # reserved byte set
    NONE + bytes([4, 1, 0, 1]),               # request version 4
    b"\x04\x01\x00\x50\x7f\x00\x00\x01\x00",  # SOCKS4
    b"GET / HTTP/1.1\r\n",
    b"\x05\x00",                              # no methods
    b"\x05\x01\x02" + b"\x05",                # wrong sub-negotiation
    b"\x05\x01\x02" + auth(b"", b"x"),
    b"\x05\x01\x02" + auth(b"x", b""),
    NONE + v4[:6],                            # cut
    BOTH + auth(b"alice", b"secret")[:5],
    b"\x05\xff" + bytes(range(255)) + dom,
]
for s in seeds:
    for server in (0x00, 0x01, 0x02, 0x0f, 0x1e):
        put(bytes([server]) + s)
