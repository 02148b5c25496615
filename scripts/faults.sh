#!/usr/bin/env bash
# The shop under faults (scripts/faults.py says which and what is checked after each):
# kill -9 under the purchase load on SQLite and on three processes sharing PostgreSQL,
# PostgreSQL restarted under load, SQLite's disk full and read-only. Run as root (the
# disk scenarios mount a small tmpfs); the report goes to target/faults/report.md and is
# what RELIABILITY.md records.
#
#   bash scripts/faults.sh                        # every scenario, 40 s each
#   SECONDS_PER_RUN=20 bash scripts/faults.sh sqlite-kill postgres-restart
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${ECRIN_BIN:-}" ]; then
  echo "==> Building the release binary and the purchase load"
  cargo build --release --locked -q
  cargo build --release --locked -q -p ecrin --example purchase_load
fi
command -v psql >/dev/null 2>&1 || export PATH="/usr/lib/postgresql/15/bin:$PATH"
exec python3 scripts/faults.py "${ECRIN_BIN:-$PWD/target/release/ecrin}" \
  "${PURCHASE_LOAD_BIN:-$PWD/target/release/examples/purchase_load}" target/faults "$@"
