#!/usr/bin/env bash
# Prepares a Debian 12 machine (Node 20 + npm already present) to build and test
# kafkats: the Debian packages the test peers and harnesses need, the npm
# dependencies, and the compiled test harnesses. Safe to re-run: every step is
# skipped when its result is already in place.
#
#   scripts/setup.sh            set up what is missing
#   scripts/setup.sh --force    reinstall npm dependencies and rebuild harnesses
set -euo pipefail

# The one list of Debian packages the tests need. Add new peers here.
APT_PACKAGES=(
  build-essential          # cc + make for test/harness/
  pkg-config
  librdkafka-dev           # librdkafka + rdkafka_mock.h: the mock-cluster harness
  kcat                     # librdkafka CLI peer
  python3
  python3-kafka            # kafka-python 2.0.2 peer
  python3-confluent-kafka  # confluent-kafka-python peer
  python3-snappy           # codecs kafka-python uses (compression interop tests)
  python3-lz4
  python3-zstandard
  python3-xxhash
  openssl                  # certificates for TLS tests
  ca-certificates
)

cd "$(dirname "${BASH_SOURCE[0]}")/.."

force=0
for argument in "$@"; do
  case "$argument" in
    --force) force=1 ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
  esac
done

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "[setup] need root (or sudo) for: $*" >&2; exit 1
  fi
}

missing_packages() {
  local package status
  for package in "${APT_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || printf '%s\n' "$package"
  done
}

# 1. Debian packages
mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -eq 0 ]; then
  log "Debian packages: all ${#APT_PACKAGES[@]} installed"
else
  log "Debian packages: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# 2. npm dependencies. npm records what it installed in node_modules/.package-lock.json;
# when that is newer than package.json and the lock file, the tree is current.
installed_lock=node_modules/.package-lock.json
if [ "$force" -eq 0 ] && [ -f "$installed_lock" ] &&
   [ "$installed_lock" -nt package.json ] && [ "$installed_lock" -nt package-lock.json ]; then
  log "npm dependencies: up to date"
else
  log "npm dependencies: npm ci"
  npm ci --no-audit --no-fund
fi

# 3. Test harnesses (make rebuilds only what is older than its source)
if [ "$force" -eq 1 ]; then make -s -C test/harness clean; fi
make -s -C test/harness
log "harnesses: built in .build/"

# 4. A last check that the peers run. Tests that need a Python module skip themselves when it is
# missing (for a developer without the peers), so set-up fails here instead of CI skipping quietly.
kcat -V >/dev/null
/usr/bin/python3 -c 'import kafka, kafka.protocol.api, confluent_kafka, snappy, lz4.frame, zstandard, xxhash' >/dev/null
log "ready"
