/** The RFC 8448 §3 trace from test-vectors/rfc8448-simple-1rtt.json, parsed with fromHex. */
import { loadVectors } from '@layersec/test-vectors';
import { fromHex } from '@layersec/wire';

type Raw = Record<string, string> & { server_rsa_private_key: Record<string, string> };
const raw = loadVectors<Raw>('rfc8448-simple-1rtt.json');

export const RFC8448: Record<string, Uint8Array> = Object.fromEntries(
  Object.entries(raw)
    .filter(([k, v]) => typeof v === 'string' && k !== 'source')
    .map(([k, v]) => [k, fromHex(v as string)]),
);

export const RFC8448_RSA_KEY: Record<string, Uint8Array> = Object.fromEntries(
  Object.entries(raw.server_rsa_private_key)
    .filter(([k]) => k !== 'source')
    .map(([k, v]) => [k, fromHex(v)]),
);

/** RFC 8448 §5 (HelloRetryRequest), from test-vectors/rfc8448-hello-retry-request.json. */
export const RFC8448_HRR: Record<string, Uint8Array> = Object.fromEntries(
  Object.entries(loadVectors<Record<string, string>>('rfc8448-hello-retry-request.json'))
    .filter(([k]) => k !== 'source')
    .map(([k, v]) => [k, fromHex(v)]),
);
