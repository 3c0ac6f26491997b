#!/usr/bin/env python3
"""Write the seed corpora of fuzz_ssm_msg, fuzz_handshake and fuzz_smux
from the shared SSM vectors (testdata/ssm/*.json).

Usage: tests/fuzz/mkcorpus_ssm.py [SHARED_DIR]   (run from the top of the
tree; SHARED_DIR defaults to ../shared). Files are named by the SHA-1 of
their content, as libFuzzer names its own, so running it again adds
nothing new. Not run by make: the corpora are committed.
"""

import hashlib
import json
import os
import sys

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
vec = os.path.join(shared, "testdata", "ssm")
top = os.path.join("tests", "fuzz", "corpus")


def load(name):
    with open(os.path.join(vec, name)) as f:
        return json.load(f)


def put(corpus, data):
    d = os.path.join(top, corpus)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def unhex(text):
    return bytes.fromhex(text.replace(" ", ""))


msgs = load("agent-messages.json")
acks = load("acks.json")
hs = load("handshake.json")
smux = load("smux-frames.json")

# fuzz_ssm_msg: every whole message the vectors hold.
for group in ("messages", "hand_built", "plugin_send_path", "malformed"):
    for m in msgs[group]:
        if "hex" in m:
            put("ssm_msg", unhex(m["hex"]))
for a in acks["acks"]:
    put("ssm_msg", unhex(a["ack_message"]["hex"]))
    put("ssm_msg", unhex(a["acknowledged_message"]["hex"]))

# fuzz_handshake: a selector byte, then the JSON.
ACK, REQUEST, RESPONSE, COMPLETE, CLOSED, OPEN = range(6)
for a in acks["acks"]:
    put("handshake", bytes([ACK]) + a["ack_payload_json"].encode())
for c in acks["ack_payload_parsing"]["cases"]:
    put("handshake", bytes([ACK]) + c["payload"].encode())
for c in hs["cases"]:
    put("handshake", bytes([REQUEST]) + c["handshake_request_json"].encode())
    put("handshake", bytes([RESPONSE]) + c["handshake_response_json"].encode())
put("handshake", bytes([RESPONSE]) + hs["kms_success_shape"]["json"].encode())
put("handshake", bytes([COMPLETE]) + hs["handshake_complete_marshal"].encode())
for c in hs["handshake_complete_parsing"]:
    put("handshake", bytes([COMPLETE]) + c["payload"].encode())
for m in msgs["messages"]:
    if m.get("name") == "channel_closed":
        put("handshake", bytes([CLOSED]) + m["payload_text"].encode())
put("handshake", bytes([OPEN]) + hs["open_data_channel"]["json"].encode())

# fuzz_smux: role byte (0 client, 1 server), seed byte, then the stream.
frames = b""
for step in smux["v1_client_and_server"]:
    for f in step["frames_hex"] or []:
        head, _, rest = f.partition(" + ")
        data = unhex(head)
        if rest:
            data += b"A" * min(int(rest.split()[0]), 100)
            data = data[:2] + len(data[8:]).to_bytes(2, "little") + data[4:]
        frames += data
        put("smux", bytes([0 if step["written_by"] == "server" else 1, 7])
            + data)
put("smux", bytes([1, 3]) + frames)
put("smux", bytes([0, 5]) + frames)
for c in smux["v1_server_receiver_behaviour"]["cases"]:
    put("smux", bytes([1, 11]) + unhex(c["input_hex"]))
    put("smux", bytes([0, 13]) + unhex(c["input_hex"]))
for f in smux["v2"]:
    for h in f["frames_hex"]:
        put("smux", bytes([1, 17]) + unhex(h.partition(" + ")[0]))
