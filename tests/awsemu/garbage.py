"""Send awsemu every kind of bad input and check each answer.

Usage: garbage.py HTTP_PORT HTTPS_PORT WS_PORT CA_FILE AKID SECRET

Signed requests are signed with botocore's SigV4Auth (not our signer), so
that a body the emulator refuses is refused for what it is, not for its
signature. Exits non-zero with a message at the first wrong answer.
"""

import http.client
import json
import socket
import ssl
import sys
import xml.etree.ElementTree as ET

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HTTP, HTTPS, WS = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
CA, AKID, SECRET = sys.argv[4], sys.argv[5], sys.argv[6]
CREDS = Credentials(AKID, SECRET)
checks = 0


def fail(what, status, headers, body):
    sys.exit("FAIL: %s: got %s %s %r" % (what, status, headers, body[:300]))


def send(method, path, body=b"", headers=None, port=HTTP):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def signed(target, body, service="ssm", ctype="application/x-amz-json-1.1"):
    url = "http://127.0.0.1:%d/" % HTTP
    req = AWSRequest(method="POST", url=url, data=body, headers={
        "Content-Type": ctype, "X-Amz-Target": target})
    if target is None:
        del req.headers["X-Amz-Target"]
    SigV4Auth(CREDS, service, "us-east-1").add_auth(req)
    return send("POST", "/", body, dict(req.headers.items()))


def expect_json(what, answer, status, code):
    """A JSON 1.1 error: status, __type, message and both headers."""
    global checks
    st, hdrs, body = answer
    try:
        doc = json.loads(body)
    except ValueError:
        fail(what, st, hdrs, body)
    if st != status or doc.get("__type") != code or \
            not doc.get("message") or hdrs.get("x-amzn-errortype") != code \
            or len(hdrs.get("x-amzn-requestid", "")) != 36:
        fail(what, st, hdrs, body)
    checks += 1


def expect_status(what, answer, status, contains=b""):
    global checks
    st, hdrs, body = answer
    if st != status or contains not in body:
        fail(what, st, hdrs, body)
    checks += 1


def ssm(op, doc):
    return signed("AmazonSSM." + op, json.dumps(doc).encode())


def raw(port, data, tls=False, read=True, half_close=True):
    """Write raw bytes; return what came back before the close (or b"")."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if tls:
        ctx = ssl.create_default_context(cafile=CA)
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    try:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while read:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out
    except (OSError, ssl.SSLError):
        return b""
    finally:
        s.close()


def main():
    global checks
    # Transport-level garbage.
    # No body sent: unread bytes would let the close reset the answer.
    out = raw(HTTP, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: "
              b"AmazonSSM.StartSession\r\nContent-Length: 2097152\r\n\r\n",
              half_close=False)
    if not out.startswith(b"HTTP/1.1 413"):
        sys.exit("FAIL: oversize body: %r" % out[:100])
    out = raw(HTTP, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
              b"chunked\r\n\r\n200000\r\n" + b"{" * 4096)
    if out and not out.startswith(b"HTTP/1.1 413"):
        sys.exit("FAIL: oversize chunk: %r" % out[:100])
    out = raw(HTTP, b"\x00\x01\x02garbage\r\n\r\n")
    if out and not out.startswith(b"HTTP/1.1 400"):
        sys.exit("FAIL: garbage request line: %r" % out[:100])
    raw(HTTP, b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 +
        b"\r\n\r\n")
    raw(HTTP, b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"a\"")
    raw(HTTP, b"GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n")
    raw(HTTPS, b"this is not a TLS client hello\r\n" * 10)
    # The data channel refuses a malformed upgrade (no Host) with a 4xx.
    out = raw(WS, b"GET /v1/data-channel/x HTTP/1.1\r\n\r\n")
    if out and not out.startswith(b"HTTP/1.1 4"):
        sys.exit("FAIL: ws listener answered %r" % out[:100])
    raw(WS, bytes(range(256)) * 64)
    checks += 9

    # Requests that never get as far as an operation.
    expect_json("no signature", send("POST", "/", b"{}", {
        "X-Amz-Target": "AmazonSSM.DescribeInstanceInformation",
        "Content-Type": "application/x-amz-json-1.1"}), 400,
        "MissingAuthenticationTokenException")
    expect_json("not sigv4", send("POST", "/", b"{}", {
        "X-Amz-Target": "AmazonSSM.DescribeInstanceInformation",
        "Authorization": "Bearer abc"}), 400, "IncompleteSignatureException")
    expect_json("no credential", send("POST", "/", b"{}", {
        "X-Amz-Target": "AmazonSSM.DescribeInstanceInformation",
        "Authorization": "AWS4-HMAC-SHA256 Signature=00"}), 400,
        "IncompleteSignatureException")
    expect_json("unknown operation", signed("AmazonSSM.Nope", b"{}"), 400,
                "UnknownOperationException")
    expect_json("unknown service", signed("Nope.Nope", b"{}"), 400,
                "UnknownOperationException")
    expect_json("no target, no action", signed(None, b"{}"), 400,
                "MissingAction")
    expect_status("nothing there", send("GET", "/nope"), 404)

    # STS errors are XML ErrorResponse documents.
    st, hdrs, body = signed(None, b"Action=Nope&Version=2011-06-15", "sts",
                            "application/x-www-form-urlencoded")
    root = ET.fromstring(body)
    ns = "{https://sts.amazonaws.com/doc/2011-06-15/}"
    if st != 400 or root.tag != ns + "ErrorResponse" or \
            root.find(ns + "Error/" + ns + "Code").text != "InvalidAction" or \
            root.find(ns + "RequestId") is None:
        fail("sts unknown action", st, hdrs, body)
    st, hdrs, body = signed(None, b"Action=AssumeRole&Version=2011-06-15"
                            b"&RoleArn=nope&RoleSessionName=x", "sts",
                            "application/x-www-form-urlencoded")
    if st != 400 or b"<Code>ValidationError</Code>" not in body:
        fail("sts bad role", st, hdrs, body)
    checks += 2

    # Bodies that are not what JSON 1.1 wants.
    for bad in (b"", b"{not json", b"[]", b"\"x\"", b"{\"a\":" * 5000):
        expect_json("bad json %r" % bad[:10],
                    signed("AmazonSSM.StartSession", bad), 400,
                    "SerializationException")
    expect_json("target not a string", ssm("StartSession", {"Target": 5}),
                400, "SerializationException")
    expect_json("no target", ssm("StartSession", {}), 400,
                "ValidationException")
    expect_json("long target", ssm("StartSession", {"Target": "i" * 401}),
                400, "ValidationException")
    expect_json("unknown target", ssm("StartSession", {
        "Target": "i-0fffffffffffffff0",
        "DocumentName": "AWS-StartPortForwardingSession"}), 400,
        "TargetNotConnected")
    expect_json("offline target", ssm("StartSession", {
        "Target": "i-0123456789abcdef1",
        "DocumentName": "AWS-StartPortForwardingSession"}), 400,
        "TargetNotConnected")
    expect_json("unknown document", ssm("StartSession", {
        "Target": "i-0123456789abcdef0", "DocumentName": "No-Such-Doc"}),
        400, "InvalidDocument")
    expect_json("bad document name", ssm("StartSession", {
        "Target": "i-0123456789abcdef0", "DocumentName": "a b"}), 400,
        "ValidationException")
    expect_json("bad parameters", ssm("StartSession", {
        "Target": "i-0123456789abcdef0",
        "DocumentName": "AWS-StartPortForwardingSession",
        "Parameters": {"portNumber": "22"}}), 400, "SerializationException")
    expect_json("bad port", ssm("StartSession", {
        "Target": "i-0123456789abcdef0",
        "DocumentName": "AWS-StartPortForwardingSession",
        "Parameters": {"portNumber": ["70000"]}}), 400, "InvalidDocument")
    expect_json("remote host missing", ssm("StartSession", {
        "Target": "i-0123456789abcdef0",
        "DocumentName": "AWS-StartPortForwardingSessionToRemoteHost",
        "Parameters": {"portNumber": ["5432"]}}), 400, "InvalidDocument")
    expect_json("two-line reason", ssm("StartSession", {
        "Target": "i-0123456789abcdef0",
        "DocumentName": "AWS-StartPortForwardingSession",
        "Reason": "a\nb"}), 400, "ValidationException")
    expect_json("long reason", ssm("StartSession", {
        "Target": "i-0123456789abcdef0",
        "DocumentName": "AWS-StartPortForwardingSession",
        "Reason": "r" * 257}), 400, "ValidationException")
    expect_json("max results", ssm("DescribeInstanceInformation",
                                   {"MaxResults": 4}), 400,
                "ValidationException")
    expect_json("next token", ssm("DescribeInstanceInformation",
                                  {"NextToken": "!!"}), 400,
                "InvalidNextToken")
    expect_json("filter key", ssm("DescribeInstanceInformation", {
        "Filters": [{"Key": "Colour", "Values": ["red"]}]}), 400,
        "InvalidFilterKey")
    expect_json("no session id", ssm("ResumeSession", {}), 400,
                "ValidationException")
    expect_json("kms both sizes", signed("TrentService.GenerateDataKey",
                json.dumps({"KeyId": "alias/gatewayd", "KeySpec": "AES_256",
                            "NumberOfBytes": 8}).encode(), "kms"), 400,
                "ValidationException")
    expect_json("kms bad blob", signed("TrentService.Decrypt",
                json.dumps({"CiphertextBlob": "AAAA"}).encode(), "kms"),
                400, "InvalidCiphertextException")

    # The credential vendors.
    expect_status("imds token without ttl", send("PUT", "/latest/api/token"),
                  400)
    expect_status("imds ttl too long", send("PUT", "/latest/api/token",
                  headers={"X-aws-ec2-metadata-token-ttl-seconds": "99999"}),
                  400)
    expect_status("imds bad token", send(
        "GET", "/latest/meta-data/iam/security-credentials/",
        headers={"X-aws-ec2-metadata-token": "nope"}), 401)
    expect_status("imds unknown path", send("GET", "/latest/nope"), 404)
    st, hdrs, body = send("GET", "/federation/credentials?role_name=r&"
                          "account_id=111122223333")
    if st != 401 or hdrs.get("x-amzn-errortype") != "UnauthorizedException":
        fail("sso without token", st, hdrs, body)
    st, hdrs, body = send("POST", "/token", b"{nope")
    if st != 400 or json.loads(body).get("error") != "invalid_request":
        fail("oidc bad json", st, hdrs, body)
    checks += 2

    # The admin endpoint.
    expect_status("bad world", send("POST", "/_emu/world", b"{\"x\": 1}"), 400,
                  b"world: x: unknown key")
    expect_status("bad knobs", send("POST", "/_emu/knobs", b"[1"), 400,
                  b"not valid JSON")
    expect_status("unknown knob", send("POST", "/_emu/knobs",
                  b"{\"nope\": 1}"), 400, b"knob nope: unknown")
    expect_status("bad target", send("POST", "/_emu/target", b"{}"), 400)
    expect_status("no admin page", send("GET", "/_emu/nope"), 404)

    # A delayed answer whose client left first, then one that waits.
    expect_status("delay knob", send("POST", "/_emu/knobs",
                  b"{\"delay\": [{\"op\": \"ssm:*\", \"ms\": 300}]}"), 200)
    req = AWSRequest(method="POST", url="http://127.0.0.1:%d/" % HTTP,
                     data=b"{\"Target\": \"i-0\"}", headers={
                         "X-Amz-Target": "AmazonSSM.GetConnectionStatus"})
    SigV4Auth(CREDS, "ssm", "us-east-1").add_auth(req)
    for _ in range(3):
        conn = http.client.HTTPConnection("127.0.0.1", HTTP, timeout=30)
        conn.request("POST", "/", req.body, dict(req.headers.items()))
        conn.close()
    st, hdrs, body = ssm("GetConnectionStatus", {"Target": "i-0"})
    if st != 200 or json.loads(body)["Status"] != "notconnected":
        fail("delayed answer", st, hdrs, body)
    expect_status("no delay", send("POST", "/_emu/knobs",
                  b"{\"delay\": []}"), 200)
    checks += 1

    # Still alive, still right.
    st, hdrs, body = ssm("GetConnectionStatus",
                         {"Target": "i-0123456789abcdef0"})
    if st != 200 or json.loads(body) != {"Target": "i-0123456789abcdef0",
                                         "Status": "connected"}:
        fail("after the garbage", st, hdrs, body)
    checks += 1
    print("ok: %d bad inputs answered" % checks)


main()
