#!/usr/bin/env python3
# Write the seed corpus of fuzz_ws (tests/fuzz/corpus/ws/): valid and
# broken upgrade answers ('0'), frame streams after a good 101 ('1') and
# requests plus client frames for the server ('2'). Run from the source
# tree when the harness's input format changes; the files are committed.
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "corpus", "ws")
os.makedirs(out, exist_ok=True)


def frame(opcode, payload, fin=True, mask=None, rsv=0, length=None):
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    m = 0x80 if mask is not None else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask is not None:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += bytes(mask)
    return head + payload


def close(code, reason=b"", **kw):
    return frame(8, struct.pack(">H", code) + reason, **kw)


OK101 = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
         b"Connection: Upgrade\r\nSec-WebSocket-Accept: @ACCEPT@\r\n\r\n")
REQ = (b"GET /v1/data-channel/s?cell-number=a+b/c== HTTP/1.1\r\nHost: h\r\n"
       b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
       b"Sec-WebSocket-Version: 13\r\n\r\n")
M = [1, 2, 3, 4]

cases = {
    # The client's view of the upgrade answer.
    "c-101-ok": b"0" + OK101,
    "c-101-frames": b"0" + OK101 + frame(1, b"hello") + frame(2, b"\0\1") +
    frame(9, b"keepalive") + close(1000, b"Bye"),
    "c-101-lowercase": b"0" + OK101.lower().replace(b"@accept@",
                                                    b"@ACCEPT@"),
    "c-403-body": b"0HTTP/1.1 403 Forbidden\r\nContent-Length: 13\r\n\r\n"
    b"Access denied",
    "c-500-nolength": b"0HTTP/1.1 500 Oops\r\n\r\npartial",
    "c-bad-accept": b"0" + OK101.replace(b"@ACCEPT@", b"AAAA"),
    "c-no-upgrade": b"0HTTP/1.1 101 x\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: @ACCEPT@\r\n\r\n",
    "c-extension": b"0" + OK101[:-2] +
    b"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
    "c-bare-lf": b"0HTTP/1.1 101 x\nUpgrade: websocket\n\n",
    "c-folded": b"0HTTP/1.1 101 x\r\n Upgrade: websocket\r\n\r\n",
    "c-huge-head": b"0HTTP/1.1 101 x\r\n" + b"X: " + b"a" * 5000 + b"\r\n\r\n",
    "c-http10": b"0" + OK101.replace(b"HTTP/1.1", b"HTTP/1.0"),
    "c-nul": b"0HTTP/1.1 101 x\r\nA: \0\r\n\r\n",
    # Frames after a good 101.
    "f-text": b"1" + frame(1, "h\u00e9llo".encode()),
    "f-binary-16": b"1" + frame(2, bytes(range(256)) * 2),
    "f-binary-64": b"1" + frame(2, bytes(70000)),
    "f-fragmented": b"1" + frame(1, b"Hel", fin=False) + frame(9, b"abc") +
    frame(0, b"lo"),
    "f-empty-fragments": b"1" + frame(2, b"", fin=False) + frame(0, b""),
    "f-close-1000": b"1" + close(1000, b"Bye"),
    "f-close-empty": b"1" + frame(8, b""),
    "f-close-1byte": b"1" + frame(8, b"\3"),
    "f-close-bad-code": b"1" + close(999),
    "f-close-bad-utf8": b"1" + close(1000, b"\xff"),
    "f-masked": b"1" + frame(2, b"x", mask=M),
    "f-reserved-opcode": b"1" + frame(3, b"x"),
    "f-rsv1": b"1" + frame(2, b"x", rsv=4),
    "f-bad-utf8": b"1" + frame(1, b"\xc3\x28"),
    "f-utf8-split": b"1" + frame(1, b"\xc3", fin=False) + frame(0, b"\xa9"),
    "f-too-big": b"1" + frame(2, bytes(10), length=65537),
    "f-too-big-fragments": b"1" + frame(2, bytes(40000), fin=False) +
    frame(0, bytes(40000)),
    "f-cont-first": b"1" + frame(0, b"x"),
    "f-new-before-fin": b"1" + frame(2, b"x", fin=False) + frame(2, b"y"),
    "f-ctrl-long": b"1" + frame(9, bytes(126)),
    "f-ctrl-fragmented": b"1" + frame(9, b"x", fin=False),
    "f-truncated": b"1" + frame(2, bytes(100))[:50],
    "f-echo-close": b"1" + frame(1, b"close") + close(1000),
    "f-pong": b"1" + frame(10, b"keepalive") + frame(2, b"data"),
    # Our server's view of a client.
    "s-ok-frames": b"2" + REQ + frame(1, b"hi", mask=M) +
    frame(9, b"ping", mask=M) + close(1000, b"done", mask=M),
    "s-reject": b"2" + REQ.replace(b"/v1", b"/reject"),
    "s-unmasked": b"2" + REQ + frame(2, b"x"),
    "s-version-8": b"2" + REQ.replace(b"Version: 13", b"Version: 8"),
    "s-no-key": b"2" + REQ.replace(b"Sec-WebSocket-Key", b"X-Key"),
    "s-post": b"2" + REQ.replace(b"GET", b"POST"),
    "s-two-hosts": b"2" + REQ.replace(b"Host: h\r\n", b"Host: h\r\nHost: i\r\n"),
    "s-garbage": b"2\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
}

for name, data in cases.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("%d files in %s" % (len(cases), out))
