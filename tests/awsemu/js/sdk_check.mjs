// The AWS SDK for JavaScript v3 (a client that is not ours) against
// awsemu: StartSession, ResumeSession and TerminateSession answers parse
// into the fields gatewayd relies on; refusals carry AWS's error names.
// Environment: EMU_URL (https), EMU_ADMIN (http .../_emu), EMU_AKID,
// EMU_SECRET; NODE_EXTRA_CA_CERTS names the test CA.
import {
	SSMClient,
	StartSessionCommand,
	ResumeSessionCommand,
	TerminateSessionCommand,
} from "@aws-sdk/client-ssm";
import assert from "node:assert/strict";

const env = process.env;

function client(accessKeyId, secretAccessKey) {
	return new SSMClient({
		region: "us-east-1",
		endpoint: env.EMU_URL,
		credentials: { accessKeyId, secretAccessKey },
		maxAttempts: 1,
	});
}

async function knobs(obj) {
	const r = await fetch(env.EMU_ADMIN + "/knobs", {
		method: "POST",
		body: JSON.stringify(obj),
	});
	assert.equal(r.status, 200, "knobs: " + (await r.text()));
}

async function refused(promise, name, status) {
	try {
		await promise;
	} catch (e) {
		assert.equal(e.name, name, e.stack);
		assert.equal(e.$metadata.httpStatusCode, status);
		assert.ok(e.message.length > 0);
		assert.match(e.$metadata.requestId, /^[0-9a-f-]{36}$/);
		return;
	}
	assert.fail("succeeded, want " + name);
}

function checkSession(r, sid) {
	assert.match(r.SessionId, /^alice@example\.com-[0-9a-f]{17}$/);
	if (sid !== undefined)
		assert.equal(r.SessionId, sid);
	assert.ok(r.TokenValue.length > 300, "short token");
	assert.match(r.TokenValue, /^[A-Za-z0-9+/]+=*$/);
	assert.ok(/[+]/.test(r.TokenValue) && /[/]/.test(r.TokenValue));
	const u = new URL(r.StreamUrl);
	assert.equal(u.protocol, "wss:");
	assert.equal(u.hostname, "127.0.0.1");
	assert.equal(u.pathname, "/v1/data-channel/" + r.SessionId);
	assert.equal(u.searchParams.get("role"), "publish_subscribe");
	assert.match(r.StreamUrl, /&cell-number=[A-Za-z0-9+/]+=+$/);
}

const ssm = client(env.EMU_AKID, env.EMU_SECRET);
const start = new StartSessionCommand({
	Target: "i-0123456789abcdef0",
	DocumentName: "AWS-StartPortForwardingSessionToRemoteHost",
	Parameters: {
		host: ["db.internal"],
		portNumber: ["5432"],
		localPortNumber: ["15432"],
	},
	Reason: "sdk check",
});

const s = await ssm.send(start);
checkSession(s);
console.log("ok: StartSession " + s.SessionId);

// By default a new cell-number every time, as the service of 2026 does.
const r1 = await ssm.send(new ResumeSessionCommand({ SessionId: s.SessionId }));
checkSession(r1, s.SessionId);
assert.notEqual(r1.TokenValue, s.TokenValue);
assert.notEqual(r1.StreamUrl, s.StreamUrl);
await knobs({ resume: "ok" });
const r2 = await ssm.send(new ResumeSessionCommand({ SessionId: s.SessionId }));
checkSession(r2, s.SessionId);
assert.notEqual(r2.TokenValue, r1.TokenValue);
assert.equal(r2.StreamUrl, r1.StreamUrl);
await knobs({ resume: "no_token" });
const r3 = await ssm.send(new ResumeSessionCommand({ SessionId: s.SessionId }));
assert.equal(r3.SessionId, s.SessionId);
assert.equal(r3.TokenValue, undefined);
await knobs({ resume: "new_url" });
console.log("ok: ResumeSession (token and new url, same url, no token)");

const t = await ssm.send(new TerminateSessionCommand({ SessionId: s.SessionId }));
assert.equal(t.SessionId, s.SessionId);
await refused(ssm.send(new ResumeSessionCommand({ SessionId: s.SessionId })),
    "DoesNotExistException", 400);
console.log("ok: TerminateSession");

await refused(ssm.send(new StartSessionCommand({
	Target: "i-0123456789abcdef1",
	DocumentName: "AWS-StartPortForwardingSession",
})), "TargetNotConnected", 400);
await refused(ssm.send(new StartSessionCommand({
	Target: "i-0123456789abcdef0",
	DocumentName: "AWS-NoSuchDocument",
})), "InvalidDocument", 400);
await refused(client(env.EMU_AKID, "wrong-secret").send(start),
    "InvalidSignatureException", 400);
await refused(client("AKIAUNKNOWN000000000", env.EMU_SECRET).send(start),
    "UnrecognizedClientException", 400);
console.log("ok: refusals");
