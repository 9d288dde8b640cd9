#!/bin/sh
# Makes openssl-tls1-prf.json: TLS 1.2 PRF outputs (RFC 5246 §5) computed by the openssl CLI's
# TLS1-PRF KDF, as a real peer's answers for our P_hash. Run from this folder:
#   sh make.sh > openssl-tls1-prf.json
set -eu
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
version=$(openssl version)
printf '{\n  "source": "openssl CLI (%s): openssl kdf -keylen N -kdfopt digest:D -kdfopt hexsecret:S -kdfopt hexseed:<label><seed> TLS1-PRF; made by test-vectors/tls12-prf/make.sh",\n  "vectors": [\n' "$version"
first=1
while read -r hash bits secret label seed length; do
  label=$(printf '%s' "$label" | tr '_' ' ')
  [ "$seed" = "-" ] && seed=""
  out=$(openssl kdf -keylen "$length" -kdfopt "digest:$bits" -kdfopt "hexsecret:$secret" -kdfopt "hexseed:$(hex "$label")$seed" TLS1-PRF | tr -d ':\n' | tr 'A-F' 'a-f')
  [ "$first" = 1 ] || printf ',\n'
  first=0
  printf '    { "hash": "%s", "secret": "%s", "label": "%s", "seed": "%s", "output": "%s" }' \
    "$hash" "$secret" "$label" "$seed" "$out"
# Columns: hash name, openssl digest, secret (hex), label (spaces written as _), seed (hex, - for none), length.
done <<'CASES'
SHA-256 SHA2-256 9bbe436ba940f017b17652849a71db35 test_label a0ba9f936cda311827a6f796ffd5198c 100
SHA-384 SHA2-384 b80b733d6ceefcdc71566ea48e5567df test_label cd665cf6a8447dd6ff8b27555edb7465 148
SHA-256 SHA2-256 0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536373839 master_secret 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf 48
SHA-384 SHA2-384 0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536373839 key_expansion a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 200
SHA-256 SHA2-256 ff client_finished - 12
SHA-384 SHA2-384 00 extended_master_secret 5c5d5e 1
CASES
printf '\n  ]\n}\n'
