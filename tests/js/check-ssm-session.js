// Independent decoder check: the npm package ssm-session (pinned in
// package.json) decodes agent messages that gatewayd's encoder produced
// (the lines ssm_msg_samples prints) and must report, for each, the type,
// sequence number, message id, payload digest and payload that were put
// in. Usage: node check-ssm-session.js SAMPLES (NODE_PATH finds the
// package). Exits 1 on any difference or if the package cannot be loaded.
'use strict';

const crypto = require('crypto');
const fs = require('fs');

function die(msg) {
	console.error('check-ssm-session: ' + msg);
	process.exit(1);
}

let pkg, ssm;
try {
	pkg = require('ssm-session/package.json');
	const mod = require('ssm-session');
	ssm = mod.ssm || mod.default || mod;
} catch (e) {
	die('cannot load the ssm-session package: ' + e.message);
}
if (pkg.version !== '1.0.6')
	die('ssm-session ' + pkg.version + ' is installed, 1.0.6 is pinned');
if (typeof ssm.decode !== 'function')
	die('ssm-session has no decode function');

const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n')
    .filter((l) => l.length > 0);
const TWO53 = 2n ** 53n;
let failures = 0, inexact = 0;

function expect(n, what, got, want) {
	if (got !== want) {
		console.log(`FAIL sample ${n}: ${what}: decoder says ` +
		    `${String(got).slice(0, 80)}, encoder put ` +
		    `${String(want).slice(0, 80)}`);
		failures++;
	}
}

lines.forEach((line, n) => {
	const s = JSON.parse(line);
	const wire = Buffer.from(s.hex, 'hex');
	const m = ssm.decode(wire);
	const payload = Buffer.from(m.payload);
	const seq = BigInt(s.seq);

	expect(n, 'MessageType', m.messageType, s.type);
	// The package reads 64-bit fields into JavaScript numbers: exact up
	// to 2^53, the nearest double above.
	if (seq <= TWO53)
		expect(n, 'SequenceNumber', m.sequenceNumber, Number(seq));
	else {
		expect(n, 'SequenceNumber (nearest double)', m.sequenceNumber,
		    Number(seq));
		inexact++;
	}
	expect(n, 'MessageId', m.messageId, s.id);
	expect(n, 'PayloadDigest',
	    Buffer.from(m.payloadDigest, 'latin1').toString('hex'), s.digest);
	expect(n, 'digest of the decoded payload',
	    crypto.createHash('sha256').update(payload).digest('hex'),
	    s.digest);
	expect(n, 'Payload', payload.toString('hex'), s.payload);
	expect(n, 'PayloadLength', m.payloadLength, s.payload.length / 2);
	expect(n, 'PayloadType', m.payloadType, s.payload_type);
	expect(n, 'HeaderLength', m.headerLength, 116);
	expect(n, 'SchemaVersion', m.schemaVersion, 1);
	expect(n, 'CreatedDate', m.createdDate, s.created);
	expect(n, 'Flags', m.flags, s.flags);
});

if (lines.length < 20)
	die(`only ${lines.length} samples (want 20)`);
console.log(`ssm-session ${pkg.version} decoded ${lines.length} messages ` +
    `from gatewayd's encoder: ${failures} differences ` +
    `(${inexact} sequence numbers above 2^53 compared as doubles)`);
process.exit(failures === 0 ? 0 : 1);
