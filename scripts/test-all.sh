#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with Node 20 (the real peers
# from Debian's packages, pnpm, the workspace's dependencies), builds, and runs every test.
# README's second command and .ci/run both run this script.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Real peers and tools the interop tests drive (see shared/INTEROP.md).
APT_PACKAGES=(openssl gnutls-bin tshark tcpdump strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
  libcharon-extra-plugins libstrongswan-extra-plugins iproute2 iputils-ping curl)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  echo "wireshark-common wireshark-common/install-setuid boolean false" | as_root debconf-set-selections
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pnpm: the version pinned in package.json, through npx (corepack cannot verify pnpm's signature here).
PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if command -v pnpm >/dev/null && [ "$(pnpm --version)" = "$PNPM_VERSION" ]; then PNPM=(pnpm); else PNPM=(npx -y "pnpm@$PNPM_VERSION"); fi

echo "== pnpm install"
"${PNPM[@]}" install --frozen-lockfile --reporter=append-only
echo "== build (type-check every package)"
"${PNPM[@]}" run build
echo "== test"
export LAYERSEC_TEST_SUMMARY
LAYERSEC_TEST_SUMMARY="$(mktemp)"
status=0
"${PNPM[@]}" run test || status=$?
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
const sum = (k) => lines.reduce((a, l) => a + l[k], 0);
console.log(`tests: ${sum("passed")} passed, ${sum("failed")} failed, ${sum("skipped")} skipped`);
' "$LAYERSEC_TEST_SUMMARY"
rm -f "$LAYERSEC_TEST_SUMMARY"
exit $status
