#!/usr/bin/env bash
# Installs the benchmark peers into bench/.peers/ (gitignored, its own package.json):
#   @confluentinc/kafka-javascript  - its bundled librdkafka (newer than Debian's 2.0.2)
#                                     supplies a newer mock cluster; see confluent-mock.mjs
# and then builds test/harness against that librdkafka too, as
# .build/rdkafka-mock-cluster-bundled (startRdkafkaMock({ variant: 'bundled' })).
#
# The package's normal install downloads a prebuilt binary, which fails without
# internet access. Instead: install without scripts, then build the addon and
# its bundled librdkafka from source, linked dynamically against Debian's
# compression/TLS/SASL libraries (a static build would download their sources).
# The build takes about 5 minutes on 2 cores. Re-running is quick once built.
#
#   bench/peers/setup.sh [--force]
set -euo pipefail

CKJS_VERSION=1.10.1
# What the from-source build of librdkafka links against.
APT_PACKAGES=(build-essential python3 pkg-config zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev liblz4-dev libsasl2-dev)

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PEERS_DIR=$PWD/.peers
ADDON=$PEERS_DIR/node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node

log() { printf '[bench-peers] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "[bench-peers] need root (or sudo) for: $*" >&2; exit 1
  fi
}

force=0
[ "${1:-}" = "--force" ] && force=1

missing=()
for package in "${APT_PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

build_bundled_harness() {
  make -s -C ../test/harness bundled
  log "harness on the bundled librdkafka: .build/rdkafka-mock-cluster-bundled"
}

if [ "$force" -eq 0 ] && [ -f "$ADDON" ] &&
   (cd "$PEERS_DIR" && node -e "require('@confluentinc/kafka-javascript')" >/dev/null 2>&1); then
  log "@confluentinc/kafka-javascript already built: $ADDON"
  build_bundled_harness
  exit 0
fi

mkdir -p "$PEERS_DIR"
if [ ! -f "$PEERS_DIR/package.json" ]; then
  cat >"$PEERS_DIR/package.json" <<'JSON'
{
  "name": "kafkats-bench-peers",
  "private": true,
  "description": "Benchmark peers for kafkats, installed by bench/peers/setup.sh",
  "type": "module"
}
JSON
fi

log "npm install --ignore-scripts @confluentinc/kafka-javascript@$CKJS_VERSION"
(cd "$PEERS_DIR" && npm install --ignore-scripts --no-audit --no-fund "@confluentinc/kafka-javascript@$CKJS_VERSION")

# node-gyp needs Node's headers; it would download them unless told where the
# installed ones are.
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ -f "$node_prefix/include/node/node_version.h" ]; then
  export npm_config_nodedir=$node_prefix
fi

log "building the addon and librdkafka from source (about 5 minutes)"
(cd "$PEERS_DIR" && CKJS_LINKING=dynamic npm rebuild @confluentinc/kafka-javascript --foreground-scripts)

(cd "$PEERS_DIR" && node -e "
const kafka = require('@confluentinc/kafka-javascript');
console.log('[bench-peers] built: librdkafka ' + kafka.librdkafkaVersion);
")

build_bundled_harness
