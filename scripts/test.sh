#!/usr/bin/env bash
# Runs every test of Yitong on this machine, installing and starting what the
# tests need first: PostgreSQL (the storage contract suite fails without it),
# HL7's R4 example resources from npm (the validator's example report), and
# Debian's chromium with the npm packages of the browser tests (e2e/).
# Usage: scripts/test.sh [go test flags…]   e.g. scripts/test.sh -short
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*" >&2; }

# PostgreSQL: start the local cluster if it is installed but down; install it
# from Debian's packages if it is missing.
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if [ -z "${YITONG_TEST_POSTGRES:-}" ]; then
  if ! command -v pg_isready >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  if ! pg_up; then
    log "starting PostgreSQL"
    for v in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
    done
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || { echo "PostgreSQL is not reachable at 127.0.0.1:5432" >&2; exit 1; }
fi

# HL7's example resources (validated against in fhir/validate).
examples=.cache/r4-examples/node_modules/hl7.fhir.r4.examples
if [ ! -d "$examples" ]; then
  log "installing hl7.fhir.r4.examples@4.0.1 from npm"
  npm install --silent --no-audit --no-fund --prefix .cache/r4-examples hl7.fhir.r4.examples@4.0.1 >/dev/null
fi

# The browser tests (e2e/): Debian's chromium, and playwright-core and
# fhirclient from npm at the versions in e2e/package-lock.json (npm ci refuses
# that lock file: it lists an optional peer of fhirclient it never installs).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${YITONG_CHROMIUM:-}" ]; then
  log "installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d e2e/node_modules/playwright-core ] || [ ! -d e2e/node_modules/fhirclient ]; then
  log "installing the browser tests' npm packages"
  (cd e2e && npm install --silent --no-audit --no-fund >/dev/null)
fi

log "go test ./..."
go test -timeout 60m "$@" ./...
