#!/usr/bin/python3
"""Sign again with botocore what gatewayd's signer signed, and compare.

Reads the JSON lines of tests/tools/sigv4_gen on stdin. For each request
it builds a botocore AWSRequest, signs it with botocore.auth.SigV4Auth
(header form) or SigV4QueryAuth (presigned form) at the request's own
time, with botocore's clock frozen the way its unit tests freeze it, and
compares the signature (and the canonical request, to explain a
difference). Prints one summary line; exits 1 on any disagreement.

Runs under Debian's /usr/bin/python3 with python3-botocore.
"""

import base64
import datetime
import hashlib
import json
import sys
import types
from urllib.parse import parse_qs, urlsplit

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AMZ_DATE = '%Y%m%dT%H%M%SZ'


class FrozenClock(datetime.datetime):
    """A datetime whose utcnow() is the time of the request at hand."""
    now = None

    @classmethod
    def utcnow(cls):
        return cls.now


# botocore.auth reads the time as datetime.datetime.utcnow(): give it a
# module whose datetime class is frozen, and leave the real one alone.
botocore.auth.datetime = types.SimpleNamespace(datetime=FrozenClock)


class Recorder:
    """Keep the canonical request a signer builds, for the report."""

    def string_to_sign(self, request, canonical_request):
        self.canonical = canonical_request
        return super().string_to_sign(request, canonical_request)


class HeaderSigner(Recorder, botocore.auth.SigV4Auth):
    pass


class QuerySigner(Recorder, botocore.auth.SigV4QueryAuth):
    pass


def botocore_sign(req):
    """Sign req with botocore; return (signature, canonical, result)."""
    FrozenClock.now = datetime.datetime.strptime(req['amz_date'], AMZ_DATE)
    creds = Credentials(req['access_key_id'], req['secret_access_key'],
                        req['session_token'])
    body = base64.b64decode(req['body_b64'])
    request = AWSRequest(method=req['method'], url=req['url'],
                         data=body if body else None)
    for name, value in req['headers']:
        request.headers[name] = value       # appends: repeats are kept
    if req['sign_body']:
        # gatewayd's sign_body is what botocore does when the request
        # already carries its payload hash in this header.
        request.headers['X-Amz-Content-SHA256'] = \
            hashlib.sha256(body).hexdigest()
    if req['kind'] == 'query':
        signer = QuerySigner(creds, req['service'], req['region'],
                             expires=int(req['expires']))
        signer.add_auth(request)
        query = parse_qs(urlsplit(request.url).query,
                         keep_blank_values=True)
        return query['X-Amz-Signature'][0], signer.canonical, request.url
    signer = HeaderSigner(creds, req['service'], req['region'])
    signer.add_auth(request)
    authz = request.headers['Authorization']
    return authz.rsplit('Signature=', 1)[1], signer.canonical, authz


def auth_params(url):
    """The X-Amz-* parameters of a presigned URL, decoded."""
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    return {k: v for k, v in query.items() if k.startswith('X-Amz-')}


def compare(req):
    """Return None if botocore agrees, else a description."""
    sig, canonical, result = botocore_sign(req)
    problems = []
    if sig != req['signature']:
        problems.append('signature %s, botocore %s' % (req['signature'],
                                                        sig))
    if canonical != req['canonical_request']:
        problems.append('canonical request differs:\n--- gatewayd\n%s\n'
                        '--- botocore\n%s' % (req['canonical_request'],
                                              canonical))
    if req['kind'] == 'header' and result != req['authorization']:
        problems.append('Authorization differs:\n%s\n%s' %
                        (req['authorization'], result))
    if req['kind'] == 'query' and \
            auth_params(result) != auth_params(req['presigned_url']):
        problems.append('presigned parameters differ:\n%s\n%s' %
                        (req['presigned_url'], result))
    if not problems:
        return None
    return 'request %d (%s %s %s):\n  %s' % (
        req['n'], req['kind'], req['method'], req['url'],
        '\n  '.join(problems))


def main():
    counts = {'header': 0, 'query': 0}
    agree = 0
    failures = []
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        counts[req['kind']] += 1
        try:
            problem = compare(req)
        except Exception as e:      # a botocore refusal is a finding too
            problem = 'request %d (%s): botocore raised %r' % (
                req['n'], req['url'], e)
        if problem is None:
            agree += 1
        else:
            failures.append(problem)
    total = counts['header'] + counts['query']
    for f in failures[:5]:
        print(f)
    print('sigv4 cross-check: %d/%d agree with botocore %s '
          '(%d header-signed, %d presigned)' % (
              agree, total, botocore.__version__, counts['header'],
              counts['query']))
    return 0 if total > 0 and agree == total else 1


if __name__ == '__main__':
    sys.exit(main())
