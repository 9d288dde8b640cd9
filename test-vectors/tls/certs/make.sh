#!/bin/sh
# Test PKI for packages/tls, made with the openssl CLI (OpenSSL 3.0). Run from this folder:
#   sh make.sh
# A CA (ECDSA P-256), server certificates for "localhost" / 127.0.0.1 with ECDSA P-256, ECDSA
# P-384, RSA-2048 (used with RSA-PSS signatures) and Ed25519 keys, and a client certificate
# (ECDSA P-256). Keys are PKCS#8 PEM. Valid for 20 years from the day they were made.
set -eu
DAYS=7300
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days $DAYS -subj "/CN=layersec TLS test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

issue() { # name, keyUsage extra, EKU, SAN, genpkey args...
  name=$1; ku=$2; eku=$3; san=$4; shift 4
  openssl genpkey "$@" -out "$name.key"
  openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature%s\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$ku" "$eku" "$san" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days $DAYS -sha256 \
    -extfile "$name.ext" -out "$name.pem"
  rm -f "$name.csr" "$name.ext"
}
SAN="DNS:localhost,IP:127.0.0.1"
issue server-ecdsa-p256 "" serverAuth "$SAN" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
issue server-ecdsa-p384 "" serverAuth "$SAN" -algorithm EC -pkeyopt ec_paramgen_curve:P-384
issue server-rsa-2048 ",keyEncipherment" serverAuth "$SAN" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
issue server-ed25519 "" serverAuth "$SAN" -algorithm ED25519
issue client-ecdsa-p256 "" clientAuth "DNS:client.test" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
rm -f ca.srl
