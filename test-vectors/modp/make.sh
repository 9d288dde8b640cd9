#!/bin/sh
# Makes openssl-modp-dh.json: Diffie-Hellman in the RFC 3526 MODP groups 14, 15 and 16 computed by
# the openssl CLI (its built-in named groups modp_2048/3072/4096), to check our MODP key exchange
# against a real peer. Run from this folder: sh make.sh > openssl-modp-dh.json
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { # field <key.pem> <private-key|public-key>: the value as bare hex
  openssl pkey -in "$1" -text -noout |
    awk -v f="$2:" '$1 == f { on = 1; next } on && /^[^ ]/ { on = 0 } on { printf "%s", $1 }' | tr -d ':'
}

version=$(openssl version)
printf '{\n  "source": "openssl CLI (%s): genpkey -algorithm DH -pkeyopt group:modp_N, pkey -text, pkeyutl -derive; made by test-vectors/modp/make.sh",\n  "vectors": [\n' "$version"
first=1
for bits in 2048 3072 4096; do
  for side in a b; do
    openssl genpkey -algorithm DH -pkeyopt "group:modp_$bits" -out "$tmp/$side.pem" 2>/dev/null
    openssl pkey -in "$tmp/$side.pem" -pubout -out "$tmp/$side.pub.pem"
  done
  openssl pkeyutl -derive -inkey "$tmp/a.pem" -peerkey "$tmp/b.pub.pem" -out "$tmp/ab.bin"
  openssl pkeyutl -derive -inkey "$tmp/b.pem" -peerkey "$tmp/a.pub.pem" -out "$tmp/ba.bin"
  cmp -s "$tmp/ab.bin" "$tmp/ba.bin" || { echo "openssl: the two sides disagree" >&2; exit 1; }
  [ "$first" = 1 ] || printf ',\n'
  first=0
  printf '    {\n      "group": "modp%s",\n' "$bits"
  printf '      "alicePrivate": "%s",\n      "alicePublic": "%s",\n' "$(field "$tmp/a.pem" private-key)" "$(field "$tmp/a.pem" public-key)"
  printf '      "bobPrivate": "%s",\n      "bobPublic": "%s",\n' "$(field "$tmp/b.pem" private-key)" "$(field "$tmp/b.pem" public-key)"
  printf '      "shared": "%s"\n    }' "$(od -An -v -tx1 "$tmp/ab.bin" | tr -d ' \n')"
done
printf '\n  ]\n}\n'
