#!/usr/bin/env bash
# Regenerates the X.509 fixtures of layersec with the openssl CLI (written for OpenSSL 3.0):
#
#   - a small CA world in three key families (ECDSA, RSA, Ed25519): root → intermediate → leaf;
#   - the refusal matrix: expired, not yet valid, wrong host, unknown root, self-signed leaf, bad
#     signature, leaf used as a CA, path length exceeded, intermediate without keyCertSign, wrong
#     EKU, wildcard and IP-address SANs, a certificate with no SAN;
#   - private and public key files in every format the keys module reads, with openssl's own
#     `-text` dump of each key beside it;
#   - cases.json: each verification case with the `openssl verify` command line that was run and
#     what openssl answered. The tests take the expected outcomes from that file only.
#
# Every certificate is valid from 2020-01-01 to 2120-01-01 unless the case is about validity; the
# cases are verified at a fixed time (2030-01-01T00:00:00Z), so the files keep working.
#
# Usage: bash test-vectors/x509/make.sh   (rewrites the files beside this script; keys and
# signatures change on every run, so commit the regenerated files together with cases.json).
set -euo pipefail

OUT="$(cd "$(dirname "$0")" && pwd)"
cd "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

ATTIME=1893456000 # 2030-01-01T00:00:00Z
ATTIME_ISO=2030-01-01T00:00:00Z
START=20200101000000Z
END=21200101000000Z

rm -rf ecdsa rsa ed25519 unknown keys trust-dir roots.pem cases.json
mkdir -p ecdsa rsa ed25519 unknown keys trust-dir

# ---------------------------------------------------------------------------------------------
# openssl ca configuration: one database for all issuers; extension profiles by section name.
cat >"$WORK/ca.cnf" <<'EOF'
[ ca ]
default_ca = lab
[ lab ]
database = $ENV::WORK/index.txt
new_certs_dir = $ENV::WORK/newcerts
serial = $ENV::WORK/serial
policy = anything
unique_subject = no
copy_extensions = none
default_md = default
[ anything ]
commonName = optional
organizationName = optional
organizationalUnitName = optional
localityName = optional
domainComponent = optional
countryName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ intermediate ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ intermediate_pathlen0 ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ intermediate_no_certsign ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $ENV::SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ server_unknown_critical ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $ENV::SAN
1.3.6.1.4.1.55555.1 = critical, ASN1:NULL
[ intermediate_eku_client ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ server_no_san ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = $ENV::SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ selfsigned_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = serverAuth
subjectAltName = $ENV::SAN
subjectKeyIdentifier = hash
EOF
export WORK SAN="DNS:unused.lab.test"
: >"$WORK/index.txt"
mkdir -p "$WORK/newcerts"
echo 1000 >"$WORK/serial"

genkey() { # genkey <family> <file>: writes a PKCS#8 PEM private key
  case "$1" in
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$2" ;;
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$2" ;;
  esac
}

# issue <ca-cert|self> <ca-key> <key> <subject> <profile> <out> [start] [end] [extra openssl ca args...]
issue() {
  local cacert=$1 cakey=$2 key=$3 subj=$4 profile=$5 out=$6 start=${7:-$START} end=${8:-$END}
  shift 8 || shift $#
  # shellcheck disable=SC2086 # REQ_OPTS holds several options
  openssl req -config "$WORK/ca.cnf" ${REQ_OPTS:-} -new -key "$key" -subj "$subj" -out "$WORK/req.csr"
  if [ "$cacert" = self ]; then
    openssl ca -config "$WORK/ca.cnf" -batch -notext -selfsign -keyfile "$cakey" -in "$WORK/req.csr" \
      -extensions "$profile" -startdate "$start" -enddate "$end" -out "$out" "$@" 2>"$WORK/ca.log" ||
      { cat "$WORK/ca.log"; exit 1; }
  else
    openssl ca -config "$WORK/ca.cnf" -batch -notext -cert "$cacert" -keyfile "$cakey" -in "$WORK/req.csr" \
      -extensions "$profile" -startdate "$start" -enddate "$end" -out "$out" "$@" 2>"$WORK/ca.log" ||
      { cat "$WORK/ca.log"; exit 1; }
  fi
}

# world <dir> <root-family> <int-family> <leaf-family> <name>: root → intermediate → server leaf
world() {
  local d=$1 name=$5
  genkey "$2" "$d/root.key"
  genkey "$3" "$d/int.key"
  genkey "$4" "$d/leaf.key"
  issue self "$d/root.key" "$d/root.key" "/O=layersec lab/CN=$name Root CA" root "$d/root.pem"
  issue "$d/root.pem" "$d/root.key" "$d/int.key" "/O=layersec lab/CN=$name Intermediate CA" intermediate "$d/int.pem"
  SAN="DNS:server.lab.test, DNS:www.lab.test" \
    issue "$d/int.pem" "$d/int.key" "$d/leaf.key" "/O=layersec lab/CN=server.lab.test" server "$d/leaf.pem"
}

world ecdsa p384 p256 p256 "ECDSA"
world rsa rsa rsa rsa "RSA"
world ed25519 ed25519 ed25519 ed25519 "Ed25519"
world unknown p256 p256 p256 "Unknown"

E=ecdsa
# A leaf signed with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt length 32).
genkey rsa rsa/leaf-pss.key
SAN="DNS:server.lab.test" issue rsa/int.pem rsa/int.key rsa/leaf-pss.key "/O=layersec lab/CN=server.lab.test" \
  server rsa/leaf-pss.pem "$START" "$END" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -md sha256
# The same with a 20-octet salt (RFC 4055's default length, not the hash length).
SAN="DNS:server.lab.test" issue rsa/int.pem rsa/int.key rsa/leaf-pss.key "/O=layersec lab/CN=server.lab.test" \
  server rsa/leaf-pss-salt20.pem "$START" "$END" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:20 -md sha256
# sha512WithRSAEncryption, and RSASSA-PSS with SHA-384.
SAN="DNS:server.lab.test" issue rsa/int.pem rsa/int.key rsa/leaf-pss.key "/O=layersec lab/CN=server.lab.test" \
  server rsa/leaf-sha512.pem "$START" "$END" -md sha512
SAN="DNS:server.lab.test" issue rsa/int.pem rsa/int.key rsa/leaf-pss.key "/O=layersec lab/CN=server.lab.test" \
  server rsa/leaf-pss-sha384.pem "$START" "$END" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -md sha384
# An ECDSA leaf signed by the RSA intermediate and an RSA leaf signed by the ECDSA intermediate.
SAN="DNS:server.lab.test" issue rsa/int.pem rsa/int.key ecdsa/leaf.key "/O=layersec lab/CN=server.lab.test" \
  server rsa/leaf-ecdsa-key.pem "$START" "$END" -md sha384

genkey p256 $E/other.key
SAN="DNS:server.lab.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=expired" server $E/leaf-expired.pem 20200101000000Z 20210101000000Z
SAN="DNS:server.lab.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=not yet valid" server $E/leaf-not-yet-valid.pem 21000101000000Z "$END"
SAN="DNS:client.lab.test, email:client@lab.test, URI:https://client.lab.test/id" \
  issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/OU=clients/CN=client.lab.test" client $E/leaf-client.pem
SAN="DNS:*.wild.lab.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=*.wild.lab.test" server $E/leaf-wildcard.pem
SAN="DNS:*.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=*.test" server $E/leaf-wildcard-tld.pem
SAN="DNS:www.*.lab.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=www.*.lab.test" server $E/leaf-wildcard-inner.pem
SAN="DNS:localhost, IP:127.0.0.1, IP:::1" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=localhost" server $E/leaf-ip.pem
issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=cn-only.lab.test" server_no_san $E/leaf-cn-only.pem
SAN="DNS:selfsigned.lab.test" issue self $E/other.key $E/other.key "/O=layersec lab/CN=selfsigned.lab.test" selfsigned_server $E/leaf-self-signed.pem
# The server leaf (CA:FALSE) used as a CA: it issues another server certificate.
SAN="DNS:victim.lab.test" issue $E/leaf.pem $E/leaf.key $E/other.key "/O=layersec lab/CN=victim.lab.test" server $E/leaf-issued-by-leaf.pem
# A subject with every character RFC 4514 §2.4 escapes, a multi-valued RDN, domainComponents and
# UTF-8 (-preserveDN keeps the request's DN as it is).
REQ_OPTS="-utf8 -multivalue-rdn" SAN="DNS:special.lab.test" issue $E/int.pem $E/int.key $E/other.key \
  '/DC=test/DC=lab/O=layersec lab/OU=a+OU=b/CN=Ann \, "Q" <x>;=\+\/ #1 /L=Zürich' server $E/leaf-special-dn.pem \
  "$START" "$END" -preserveDN
# root → int-pathlen0 (pathlen:0) → int2 → leaf: int2 breaks int-pathlen0's path length.
genkey p256 $E/int-pathlen0.key
genkey p256 $E/int2.key
issue $E/root.pem $E/root.key $E/int-pathlen0.key "/O=layersec lab/CN=ECDSA Intermediate CA pathlen 0" intermediate_pathlen0 $E/int-pathlen0.pem
issue $E/int-pathlen0.pem $E/int-pathlen0.key $E/int2.key "/O=layersec lab/CN=ECDSA Sub-Intermediate CA" intermediate $E/int2.pem
SAN="DNS:server.lab.test" issue $E/int2.pem $E/int2.key $E/other.key "/O=layersec lab/CN=server.lab.test" server $E/leaf-pathlen.pem
# A leaf directly under int-pathlen0 (allowed: pathlen 0 permits end-entity certificates).
SAN="DNS:server.lab.test" issue $E/int-pathlen0.pem $E/int-pathlen0.key $E/other.key "/O=layersec lab/CN=server.lab.test" server $E/leaf-pathlen-ok.pem
# An intermediate whose keyUsage lacks keyCertSign, and a leaf it issued.
genkey p256 $E/int-no-certsign.key
issue $E/root.pem $E/root.key $E/int-no-certsign.key "/O=layersec lab/CN=ECDSA Intermediate CA no keyCertSign" intermediate_no_certsign $E/int-no-certsign.pem
SAN="DNS:server.lab.test" issue $E/int-no-certsign.pem $E/int-no-certsign.key $E/other.key "/O=layersec lab/CN=server.lab.test" server $E/leaf-no-certsign.pem
# An expired intermediate and a leaf under it.
genkey p256 $E/int-expired.key
issue $E/root.pem $E/root.key $E/int-expired.key "/O=layersec lab/CN=ECDSA Intermediate CA expired" intermediate $E/int-expired.pem 20200101000000Z 20210101000000Z
SAN="DNS:server.lab.test" issue $E/int-expired.pem $E/int-expired.key $E/other.key "/O=layersec lab/CN=server.lab.test" server $E/leaf-int-expired.pem
# Leaves signed with ecdsa-with-SHA384 and ecdsa-with-SHA512.
SAN="DNS:server.lab.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=server.lab.test" server $E/leaf-sha384.pem "$START" "$END" -md sha384
SAN="DNS:server.lab.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=server.lab.test" server $E/leaf-sha512.pem "$START" "$END" -md sha512
# A leaf signed with SHA-1 (ecdsa-with-SHA1).
SAN="DNS:server.lab.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=server.lab.test" server $E/leaf-sha1.pem "$START" "$END" -md sha1
# A leaf with a critical extension no verifier knows.
SAN="DNS:server.lab.test" issue $E/int.pem $E/int.key $E/other.key "/O=layersec lab/CN=server.lab.test" server_unknown_critical $E/leaf-unknown-critical.pem
# An intermediate whose extendedKeyUsage allows clientAuth only, and a server leaf under it.
genkey p256 $E/int-eku-client.key
issue $E/root.pem $E/root.key $E/int-eku-client.key "/O=layersec lab/CN=ECDSA Intermediate CA clientAuth only" intermediate_eku_client $E/int-eku-client.pem
SAN="DNS:server.lab.test" issue $E/int-eku-client.pem $E/int-eku-client.key $E/other.key "/O=layersec lab/CN=server.lab.test" server $E/leaf-int-eku-client.pem
# Bad signature: the server leaf with the last byte of its signature flipped (DER → flip → PEM).
flip_last_signature_byte() {
  openssl x509 -in "$1" -outform DER -out "$WORK/flip.der"
  local size
  size=$(stat -c %s "$WORK/flip.der")
  local last
  last=$(od -An -tu1 -j $((size - 1)) -N1 "$WORK/flip.der" | tr -d ' ')
  printf "$(printf '\\%03o' $((last ^ 1)))" | dd of="$WORK/flip.der" bs=1 seek=$((size - 1)) conv=notrunc status=none
  openssl x509 -inform DER -in "$WORK/flip.der" -out "$2"
}
flip_last_signature_byte $E/leaf.pem $E/leaf-bad-signature.pem
flip_last_signature_byte rsa/leaf.pem rsa/leaf-bad-signature.pem
flip_last_signature_byte ed25519/leaf.pem ed25519/leaf-bad-signature.pem

# Trust anchors: one PEM bundle, and a hashed directory like /etc/ssl/certs.
cat ecdsa/root.pem rsa/root.pem ed25519/root.pem >roots.pem
cp ecdsa/root.pem trust-dir/ecdsa-root.pem
cp rsa/root.pem trust-dir/rsa-root.pem
cp ed25519/root.pem trust-dir/ed25519-root.pem
openssl rehash trust-dir
# Intermediates in no particular order, with an unrelated one among them.
cat unknown/int.pem rsa/int.pem ecdsa/int.pem ed25519/int.pem >intermediates-unordered.pem
cat ecdsa/int2.pem ecdsa/int-pathlen0.pem >ecdsa/pathlen-chain.pem
cat ecdsa/int.pem ecdsa/leaf.pem >ecdsa/leaf-as-ca-chain.pem
cat unknown/int.pem unknown/root.pem >unknown/chain-with-root.pem

# What openssl reads from each certificate (subject and issuer in RFC 2253 form, serial, dates,
# extensions), written beside it as <name>.txt for the parser's tests.
for f in ecdsa/*.pem rsa/*.pem ed25519/*.pem unknown/*.pem; do
  case "$f" in *chain*.pem) continue ;; esac
  {
    printf 'signatureAlgorithm=%s\n' "$(openssl x509 -in "$f" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -1)"
    openssl x509 -in "$f" -noout -subject -issuer -nameopt RFC2253,-esc_msb -serial -startdate -enddate \
      -ext subjectAltName,basicConstraints,keyUsage,extendedKeyUsage,subjectKeyIdentifier,authorityKeyIdentifier
  } >"${f%.pem}.txt"
done

# ---------------------------------------------------------------------------------------------
# Key files in every format the keys module reads, each with openssl's -text dump.
genkey p256 keys/p256.pkcs8.pem
openssl ec -in keys/p256.pkcs8.pem -out keys/p256.sec1.pem 2>/dev/null
openssl pkey -in keys/p256.pkcs8.pem -outform DER -out keys/p256.pkcs8.der
openssl pkey -in keys/p256.pkcs8.pem -pubout -out keys/p256.spki.pem
genkey p384 keys/p384.pkcs8.pem
openssl ec -in keys/p384.pkcs8.pem -out keys/p384.sec1.pem 2>/dev/null
openssl pkey -in keys/p384.pkcs8.pem -pubout -out keys/p384.spki.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out keys/p521.pkcs8.pem
openssl ec -in keys/p521.pkcs8.pem -out keys/p521.sec1.pem 2>/dev/null
openssl pkey -in keys/p521.pkcs8.pem -pubout -out keys/p521.spki.pem
genkey ed25519 keys/ed25519.pkcs8.pem
openssl pkey -in keys/ed25519.pkcs8.pem -outform DER -out keys/ed25519.pkcs8.der
openssl pkey -in keys/ed25519.pkcs8.pem -pubout -out keys/ed25519.spki.pem
genkey rsa keys/rsa.pkcs8.pem
openssl rsa -in keys/rsa.pkcs8.pem -traditional -out keys/rsa.pkcs1.pem 2>/dev/null
openssl pkey -in keys/rsa.pkcs8.pem -pubout -out keys/rsa.spki.pem
openssl rsa -in keys/rsa.pkcs8.pem -RSAPublicKey_out -out keys/rsa.pkcs1-public.pem 2>/dev/null
for k in p256 p384 p521 ed25519 rsa; do
  openssl pkey -in keys/$k.pkcs8.pem -text -noout >keys/$k.text.txt
done

# ---------------------------------------------------------------------------------------------
# The verification cases and what `openssl verify` says about each.
CASES="$WORK/cases.ndjson"
: >"$CASES"
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
json_arr() { # json_arr a b c → ["a","b","c"]
  local first=1
  printf '['
  for x in "$@"; do
    [ $first = 1 ] || printf ','
    first=0
    json_str "$x"
  done
  printf ']'
}

# vcase <name> <description> <leaf> <untrusted-file|-> <CAfile|CApath:dir> <purpose|-> <hostname|-> <ip|->
vcase() {
  local name=$1 desc=$2 leaf=$3 untrusted=$4 anchors=$5 purpose=$6 host=$7 ip=$8
  local args=(verify -attime "$ATTIME")
  case "$anchors" in
    CApath:*) args+=(-no-CAfile -no-CAstore -CApath "${anchors#CApath:}") ;;
    *) args+=(-no-CApath -no-CAstore -CAfile "$anchors") ;;
  esac
  [ "$untrusted" = - ] || args+=(-untrusted "$untrusted")
  [ "$purpose" = - ] || args+=(-purpose "$purpose")
  [ "$host" = - ] || args+=(-verify_hostname "$host")
  [ "$ip" = - ] || args+=(-verify_ip "$ip")
  args+=("$leaf")
  local out status=0
  out=$(openssl "${args[@]}" 2>&1) || status=$?
  local errors=()
  while IFS= read -r line; do
    case "$line" in error\ [0-9]*) errors+=("$line") ;; esac
  done <<<"$out"
  {
    printf '{"name":%s,"description":%s,' "$(json_str "$name")" "$(json_str "$desc")"
    printf '"leaf":%s,"untrusted":%s,' "$(json_str "$leaf")" "$(json_str "$untrusted")"
    printf '"anchors":%s,"purpose":%s,"hostname":%s,"ip":%s,' "$(json_str "$anchors")" \
      "$(json_str "$purpose")" "$(json_str "$host")" "$(json_str "$ip")"
    printf '"command":%s,' "$(json_str "openssl ${args[*]}")"
    printf '"opensslExitStatus":%d,"opensslOk":%s,"opensslErrors":%s}\n' "$status" \
      "$([ $status = 0 ] && echo true || echo false)" "$(json_arr "${errors[@]+"${errors[@]}"}")"
  } >>"$CASES"
}

R=roots.pem
vcase ecdsa-good "ECDSA chain (P-384 root, P-256 intermediate and leaf)" ecdsa/leaf.pem ecdsa/int.pem $R sslserver server.lab.test -
vcase ecdsa-good-second-san "the leaf's second DNS SAN" ecdsa/leaf.pem ecdsa/int.pem $R sslserver www.lab.test -
vcase ecdsa-good-hostname-case "host names compare case-insensitively" ecdsa/leaf.pem ecdsa/int.pem $R sslserver SERVER.Lab.Test -
vcase rsa-good "RSA-2048 chain, sha256WithRSAEncryption" rsa/leaf.pem rsa/int.pem $R sslserver server.lab.test -
vcase rsa-pss-good "leaf signed with RSASSA-PSS (SHA-256)" rsa/leaf-pss.pem rsa/int.pem $R sslserver server.lab.test -
vcase rsa-pss-salt20 "leaf signed with RSASSA-PSS (SHA-256, 20-octet salt)" rsa/leaf-pss-salt20.pem rsa/int.pem $R sslserver server.lab.test -
vcase rsa-sha512 "leaf signed with sha512WithRSAEncryption" rsa/leaf-sha512.pem rsa/int.pem $R sslserver server.lab.test -
vcase rsa-pss-sha384 "leaf signed with RSASSA-PSS (SHA-384, 48-octet salt)" rsa/leaf-pss-sha384.pem rsa/int.pem $R sslserver server.lab.test -
vcase rsa-issuer-ecdsa-leaf "ECDSA leaf key under an RSA intermediate (sha384WithRSAEncryption)" rsa/leaf-ecdsa-key.pem rsa/int.pem $R sslserver server.lab.test -
vcase ed25519-good "Ed25519 chain" ed25519/leaf.pem ed25519/int.pem $R sslserver server.lab.test -
vcase ecdsa-good-ca-dir "trust anchors from a hashed directory" ecdsa/leaf.pem ecdsa/int.pem CApath:trust-dir sslserver server.lab.test -
vcase rsa-good-ca-dir "trust anchors from a hashed directory (RSA)" rsa/leaf.pem rsa/int.pem CApath:trust-dir sslserver server.lab.test -
vcase unordered-intermediates "chain built from an unordered set of intermediates with unrelated ones" ecdsa/leaf.pem intermediates-unordered.pem $R sslserver server.lab.test -
vcase no-purpose-no-host "no purpose and no host name asked" ecdsa/leaf.pem ecdsa/int.pem $R - - -
vcase expired "leaf expired in 2021" ecdsa/leaf-expired.pem ecdsa/int.pem $R sslserver server.lab.test -
vcase not-yet-valid "leaf valid from 2100" ecdsa/leaf-not-yet-valid.pem ecdsa/int.pem $R sslserver server.lab.test -
vcase intermediate-expired "intermediate expired in 2021" ecdsa/leaf-int-expired.pem ecdsa/int-expired.pem $R sslserver server.lab.test -
vcase wrong-host "host name not among the SANs" ecdsa/leaf.pem ecdsa/int.pem $R sslserver other.lab.test -
vcase wrong-host-suffix "a SAN's parent domain is not a match" ecdsa/leaf.pem ecdsa/int.pem $R sslserver lab.test -
vcase unknown-root "chain to a root that is not trusted" unknown/leaf.pem unknown/int.pem $R sslserver server.lab.test -
vcase unknown-root-supplied "chain to an untrusted root that is supplied with the chain" unknown/leaf.pem unknown/chain-with-root.pem $R sslserver server.lab.test -
vcase missing-intermediate "intermediate not supplied" ecdsa/leaf.pem - $R sslserver server.lab.test -
vcase self-signed-leaf "self-signed leaf, not trusted" ecdsa/leaf-self-signed.pem - $R sslserver selfsigned.lab.test -
vcase self-signed-leaf-trusted "self-signed leaf that is itself a trust anchor" ecdsa/leaf-self-signed.pem - ecdsa/leaf-self-signed.pem sslserver selfsigned.lab.test -
vcase ecdsa-bad-signature "ECDSA leaf with a flipped signature byte" ecdsa/leaf-bad-signature.pem ecdsa/int.pem $R sslserver server.lab.test -
vcase rsa-bad-signature "RSA leaf with a flipped signature byte" rsa/leaf-bad-signature.pem rsa/int.pem $R sslserver server.lab.test -
vcase ed25519-bad-signature "Ed25519 leaf with a flipped signature byte" ed25519/leaf-bad-signature.pem ed25519/int.pem $R sslserver server.lab.test -
vcase leaf-as-ca "a CA:FALSE leaf issued a certificate" ecdsa/leaf-issued-by-leaf.pem ecdsa/leaf-as-ca-chain.pem $R sslserver victim.lab.test -
vcase leaf-as-ca-no-purpose "a CA:FALSE leaf issued a certificate (no purpose asked)" ecdsa/leaf-issued-by-leaf.pem ecdsa/leaf-as-ca-chain.pem $R - - -
vcase pathlen-exceeded "pathlen:0 intermediate above another intermediate" ecdsa/leaf-pathlen.pem ecdsa/pathlen-chain.pem $R sslserver server.lab.test -
vcase pathlen-ok "pathlen:0 intermediate issuing a leaf" ecdsa/leaf-pathlen-ok.pem ecdsa/int-pathlen0.pem $R sslserver server.lab.test -
vcase no-keycertsign "intermediate keyUsage without keyCertSign" ecdsa/leaf-no-certsign.pem ecdsa/int-no-certsign.pem $R sslserver server.lab.test -
vcase ecdsa-sha384 "leaf signed with ecdsa-with-SHA384" ecdsa/leaf-sha384.pem ecdsa/int.pem $R sslserver server.lab.test -
vcase ecdsa-sha512 "leaf signed with ecdsa-with-SHA512" ecdsa/leaf-sha512.pem ecdsa/int.pem $R sslserver server.lab.test -
vcase sha1-signature "leaf signed with ecdsa-with-SHA1" ecdsa/leaf-sha1.pem ecdsa/int.pem $R sslserver server.lab.test -
vcase unknown-critical-extension "leaf with an unknown critical extension" ecdsa/leaf-unknown-critical.pem ecdsa/int.pem $R sslserver server.lab.test -
vcase intermediate-eku-client "intermediate restricted to clientAuth issuing a server certificate" ecdsa/leaf-int-eku-client.pem ecdsa/int-eku-client.pem $R sslserver server.lab.test -
vcase intermediate-eku-client-no-purpose "the same chain when no purpose is asked" ecdsa/leaf-int-eku-client.pem ecdsa/int-eku-client.pem $R - server.lab.test -
vcase client-as-server "clientAuth-only leaf used as a TLS server" ecdsa/leaf-client.pem ecdsa/int.pem $R sslserver client.lab.test -
vcase client-good "clientAuth leaf used as a TLS client" ecdsa/leaf-client.pem ecdsa/int.pem $R sslclient - -
vcase server-as-client "serverAuth-only leaf used as a TLS client" ecdsa/leaf.pem ecdsa/int.pem $R sslclient - -
vcase wildcard-match "*.wild.lab.test matches one label" ecdsa/leaf-wildcard.pem ecdsa/int.pem $R sslserver a.wild.lab.test -
vcase wildcard-no-bare "*.wild.lab.test does not match wild.lab.test" ecdsa/leaf-wildcard.pem ecdsa/int.pem $R sslserver wild.lab.test -
vcase wildcard-one-label "*.wild.lab.test does not match two labels" ecdsa/leaf-wildcard.pem ecdsa/int.pem $R sslserver a.b.wild.lab.test -
vcase wildcard-tld "*.test is too wide to match" ecdsa/leaf-wildcard-tld.pem ecdsa/int.pem $R sslserver a.test -
vcase wildcard-inner "a wildcard not in the left-most label does not match" ecdsa/leaf-wildcard-inner.pem ecdsa/int.pem $R sslserver www.x.lab.test -
vcase ip-v4-match "IP SAN 127.0.0.1" ecdsa/leaf-ip.pem ecdsa/int.pem $R sslserver - 127.0.0.1
vcase ip-v6-match "IP SAN ::1" ecdsa/leaf-ip.pem ecdsa/int.pem $R sslserver - ::1
vcase ip-v4-mismatch "IP not among the SANs" ecdsa/leaf-ip.pem ecdsa/int.pem $R sslserver - 127.0.0.2
vcase ip-against-dns-only "an IP address never matches a DNS SAN" ecdsa/leaf.pem ecdsa/int.pem $R sslserver - 127.0.0.1
vcase ip-leaf-dns-name "the IP leaf's DNS SAN" ecdsa/leaf-ip.pem ecdsa/int.pem $R sslserver localhost -
vcase cn-only "certificate without SAN: openssl falls back to the subject CN" ecdsa/leaf-cn-only.pem ecdsa/int.pem $R sslserver cn-only.lab.test -

{
  printf '{\n  "source": "openssl verify (%s) on %s, run by test-vectors/x509/make.sh; fixtures made with the same openssl CLI",\n' \
    "$(openssl version | cut -d' ' -f1-2)" "$(date -u +%Y-%m-%d)"
  printf '  "verificationTime": "%s",\n' "$ATTIME_ISO"
  printf '  "cases": [\n'
  sed '$!s/$/,/; s/^/    /' "$CASES"
  printf '  ]\n}\n'
} >cases.json
# The keys of the openssl world are needed by the tests only for the key-file fixtures; the CA
# keys stay in the tree because the build tests re-sign with them and compare with openssl.
echo "wrote $(grep -c '"name"' cases.json) cases to $OUT/cases.json"
