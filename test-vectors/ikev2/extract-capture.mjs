#!/usr/bin/env node
// Turns one run of capture-strongswan.sh (OUTDIR with ike.pcap, A/charon.log, B/charon.log,
// A/swanctl.conf) into test-vectors/ikev2/strongswan-NAME.json. The UDP payloads come from
// tshark's reading of the pcap; the keys are charon's own hex dumps (filelog ike=4, chd=4) —
// nothing here is computed by layersec.
//
// usage: node extract-capture.mjs OUTDIR NAME IKE_PROPOSAL ESP_PROPOSAL > strongswan-NAME.json
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [outDir, name, ikeProposal, espProposal] = process.argv.slice(2);
if (!espProposal) {
  console.error('usage: extract-capture.mjs OUTDIR NAME IKE_PROPOSAL ESP_PROPOSAL');
  process.exit(2);
}

/** Every `LABEL => N bytes @ ADDR` hex dump of a charon log, in order. */
function hexDumps(logPath) {
  const lines = readFileSync(logPath, 'utf8').split('\n');
  const dumps = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:\S+ )?\d\d\[(\w+)\] (.*) => (\d+) bytes @ 0x[0-9a-f]+$/.exec(lines[i]);
    if (!m) continue;
    const length = Number(m[3]);
    let hex = '';
    for (let j = i + 1; j < lines.length && hex.length < length * 2; j++) {
      const d = /^(?:\S+ )?\d\d\[\w+\]\s+\d+: ((?:[0-9A-F]{2} ){1,16})/.exec(lines[j] + ' ');
      if (!d) break;
      hex += d[1].replace(/ /g, '').toLowerCase();
    }
    if (hex.length !== length * 2) throw new Error(`${logPath}: dump of ${m[2]} is incomplete`);
    dumps.push({ group: m[1], label: m[2], hex });
  }
  return dumps;
}

function pick(dumps, label, nth = 0) {
  const found = dumps.filter((d) => d.label === label);
  return found[nth]?.hex;
}

const a = hexDumps(join(outDir, 'A/charon.log'));
const b = hexDumps(join(outDir, 'B/charon.log'));

const fields = execFileSync(
  'tshark',
  ['-r', join(outDir, 'ike.pcap'), '-T', 'fields', '-E', 'separator=,', '-e', 'frame.number', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'isakmp.exchangetype', '-e', 'udp.payload'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
);
const EXCHANGES = { 34: 'IKE_SA_INIT', 35: 'IKE_AUTH', 36: 'CREATE_CHILD_SA', 37: 'INFORMATIONAL' };
const messages = fields
  .trim()
  .split('\n')
  .map((line) => {
    const [frame, src, sport, dst, dport, exch, payload] = line.split(',');
    return {
      frame: Number(frame),
      from: `${src}:${sport}`,
      to: `${dst}:${dport}`,
      exchange: EXCHANGES[Number(exch)] ?? exch,
      sentBy: src === '10.99.0.1' ? 'A (initiator)' : 'B (responder)',
      udpPayload: payload,
    };
  });

const keys = {};
for (const [k, label] of [
  ['g_ir', 'shared Diffie Hellman secret'],
  ['SKEYSEED', 'SKEYSEED'],
  ['SK_d', 'Sk_d secret'],
  ['SK_ai', 'Sk_ai secret'],
  ['SK_ar', 'Sk_ar secret'],
  ['SK_ei', 'Sk_ei secret'],
  ['SK_er', 'Sk_er secret'],
  ['SK_pi', 'Sk_pi secret'],
  ['SK_pr', 'Sk_pr secret'],
]) {
  const v = pick(a, label);
  if (v !== undefined) keys[k] = v;
  if (v !== pick(b, label)) throw new Error(`A and B logged different ${label}`);
}

// A (the initiator) logs its own AUTH computation first, then its check of the responder's.
const psk = (nth) => ({
  IDx_prime: pick(a, "IDx'", nth),
  SK_p: pick(a, 'SK_p', nth),
  octets: pick(a, "octets = message + nonce + prf(Sk_px, IDx')", nth),
  prf_secret_keypad: pick(a, 'prf(secret, keypad)', nth),
  AUTH: pick(a, 'AUTH = prf(prf(secret, keypad), octets)', nth),
});

const childLog = pick(a, 'seed') ? a : b;
const child = {
  seed_Ni_Nr: pick(childLog, 'seed'),
  encryption_initiator_key: pick(childLog, 'encryption initiator key'),
  encryption_responder_key: pick(childLog, 'encryption responder key'),
  integrity_initiator_key: pick(childLog, 'integrity initiator key'),
  integrity_responder_key: pick(childLog, 'integrity responder key'),
};

const natd = [];
for (let i = 0; ; i++) {
  const chunk = pick(a, 'natd_chunk', i);
  if (!chunk) break;
  natd.push({ natd_chunk: chunk, natd_hash: pick(a, 'natd_hash', i) });
}

const captured = statSync(join(outDir, 'ike.pcap')).mtime.toISOString().slice(0, 10);
const out = {
  source: `strongSwan 5.9.8 charon, captured ${captured}`,
  note:
    'Two charons (Debian strongswan-charon 5.9.8-5+deb12u6, kernel-libipsec) in network namespaces joined by veth, ' +
    'A 10.99.0.1 initiates, B 10.99.0.2 responds; PSK auth; made by test-vectors/ikev2/capture-strongswan.sh and ' +
    'extract-capture.mjs. udpPayload is the UDP payload as tcpdump recorded it (port 4500 payloads start with the ' +
    'four-byte non-ESP marker, RFC 3948 §2.2). Keys are the hex dumps of charon\'s filelog at ike=4/chd=4 ' +
    '(A\'s log; B logged the same IKE keys). child.seed_Ni_Nr is Ni | Nr as charon logs it for KEYMAT.',
  config: {
    proposals: ikeProposal,
    esp_proposals: espProposal,
    initiator: { addr: '10.99.0.1', id: 'a@test', ts: '10.10.1.1/32' },
    responder: { addr: '10.99.0.2', id: 'b@test', ts: '10.10.2.1/32' },
    auth: 'psk',
    secret: 's3cretPSK',
    swanctlConf: readFileSync(join(outDir, 'A/swanctl.conf'), 'utf8'),
  },
  name,
  messages,
  keys,
  auth: { initiator: psk(0), responder: psk(1) },
  child,
  natd,
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
