#!/bin/sh
# How test-vectors/ikev2/strongswan-*.json were made: two strongSwan charons (Debian's 5.9.8,
# kernel-libipsec, so IKE moves to UDP 4500 after IKE_SA_INIT) in network namespaces A and B
# joined by veth, PSK authentication, one proposal per run. A initiates; tcpdump in A records the
# exchange; charon's filelog at ike=4/chd=4 prints the derived keys as hex dumps. The test suite
# reads the committed JSON files; it does not run this script.
#
# usage: capture-strongswan.sh NAME IKE_PROPOSAL ESP_PROPOSAL OUTDIR
#   e.g. capture-strongswan.sh gcm aes128gcm16-prfsha256-x25519 aes128gcm16-x25519 /tmp/cap
# Needs root, strongswan-charon, strongswan-swanctl, libcharon-extra-plugins, tcpdump, iproute2.
# Leaves OUTDIR/{A,B}/charon.log, OUTDIR/ike.pcap and OUTDIR/{A,B}/list-sas.txt; then
# test-vectors/ikev2/extract-capture.mjs turns them into the JSON file:
#   node test-vectors/ikev2/extract-capture.mjs OUTDIR NAME IKE_PROPOSAL ESP_PROPOSAL > test-vectors/ikev2/strongswan-NAME.json
# Files made so: gcm (aes128gcm16-prfsha256-x25519 / aes128gcm16-x25519), cbc (aes256-sha256-modp2048 /
# aes256-sha256-modp2048), chapoly (chacha20poly1305-prfsha256-x25519 / chacha20poly1305-x25519).
# The gcm and openssl charon plugins come from Debian package libstrongswan-standard-plugins.
set -eu
NAME=$1
IKE=$2
ESP=$3
OUT=$4
A=ikecapA$$
B=ikecapB$$
VA=ikcA$$
VB=ikcB$$
mkdir -p "$OUT/A/run" "$OUT/B/run"

cleanup() {
  set +e
  for S in A B; do
    if [ -f "$OUT/$S/run/charon.pid" ]; then kill "$(cat "$OUT/$S/run/charon.pid")" 2>/dev/null; fi
  done
  if [ -n "${TCPDUMP_PID:-}" ]; then kill "$TCPDUMP_PID" 2>/dev/null; wait "$TCPDUMP_PID" 2>/dev/null; fi
  for S in A B; do
    # wait for charon to exit so the namespace is free
    i=0
    while [ -f "$OUT/$S/run/charon.pid" ] && kill -0 "$(cat "$OUT/$S/run/charon.pid")" 2>/dev/null && [ $i -lt 50 ]; do
      i=$((i + 1)); sleep 0.1
    done
  done
  ip netns del "$A" 2>/dev/null
  ip netns del "$B" 2>/dev/null
}
trap cleanup EXIT INT TERM

ip netns add "$A"
ip netns add "$B"
ip link add "$VA" type veth peer name "$VB"
ip link set "$VA" netns "$A"
ip link set "$VB" netns "$B"
ip -n "$A" addr add 10.99.0.1/24 dev "$VA"
ip -n "$B" addr add 10.99.0.2/24 dev "$VB"
ip -n "$A" link set "$VA" up
ip -n "$B" link set "$VB" up
ip -n "$A" link set lo up
ip -n "$B" link set lo up
ip -n "$A" addr add 10.10.1.1/32 dev lo
ip -n "$B" addr add 10.10.2.1/32 dev lo

conf() { # side dir local remote localid remoteid localts remotets
  cat >"$2/strongswan.conf" <<EOF
charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey curve25519 aes sha1 sha2 hmac gcm kdf kernel-libipsec kernel-netlink socket-default vici updown
  install_routes = yes
  plugins { vici { socket = unix://$2/run/charon.vici } }
  filelog { main { path = $2/charon.log
    default = 1
    ike = 4
    chd = 4
    enc = 2
    flush_line = yes } }
}
EOF
  cat >"$2/swanctl.conf" <<EOF
connections { t { version = 2
  local_addrs = $3
  remote_addrs = $4
  proposals = $IKE
  local { auth = psk
          id = $5 }
  remote { auth = psk
           id = $6 }
  children { c { local_ts = $7
                 remote_ts = $8
                 esp_proposals = $ESP } } } }
secrets { ike-1 { id-a = a@test
                  id-b = b@test
                  secret = "s3cretPSK" } }
EOF
}
conf A "$OUT/A" 10.99.0.1 10.99.0.2 a@test b@test 10.10.1.1/32 10.10.2.1/32
conf B "$OUT/B" 10.99.0.2 10.99.0.1 b@test a@test 10.10.2.1/32 10.10.1.1/32

ip netns exec "$A" tcpdump -U --immediate-mode -Z root -n -i "$VA" -w "$OUT/ike.pcap" udp port 500 or udp port 4500 2>"$OUT/tcpdump.err" &
TCPDUMP_PID=$!
# tcpdump prints "listening on" when the capture is open
i=0
until grep -q listening "$OUT/tcpdump.err" 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.05; done

for S in A B; do
  NS=$(eval echo \$$S)
  ip netns exec "$NS" sh -c "mount --bind $OUT/$S/run /run && STRONGSWAN_CONF=$OUT/$S/strongswan.conf exec /usr/lib/ipsec/charon" \
    >"$OUT/$S/charon.out" 2>&1 &
done
for S in A B; do
  i=0
  until [ -S "$OUT/$S/run/charon.vici" ]; do i=$((i + 1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done
  swanctl --load-all --file "$OUT/$S/swanctl.conf" --uri "unix://$OUT/$S/run/charon.vici" >"$OUT/$S/load.txt"
done
swanctl --initiate --child c --uri "unix://$OUT/A/run/charon.vici" --timeout 10 >"$OUT/A/initiate.txt"
swanctl --list-sas --uri "unix://$OUT/A/run/charon.vici" >"$OUT/A/list-sas.txt"
swanctl --list-sas --uri "unix://$OUT/B/run/charon.vici" >"$OUT/B/list-sas.txt"
echo "$NAME: $IKE / $ESP captured $(date -u +%Y-%m-%d)" >"$OUT/meta.txt"
