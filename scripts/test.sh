#!/usr/bin/env bash
# Runs every check and every test of Écrin, installing what they need first:
# Chromium and ChromeDriver for the browser tests, poppler for PDF checks, nginx as the
# reverse proxy the shop is tested behind. PostgreSQL 15's
# binaries come with the machine (/usr/lib/postgresql/15/bin); the tests start their own
# throwaway cluster, or use ECRIN_TEST_PG_URL when it is set.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ -z "${ECRIN_TEST_PG_URL:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  step "Installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "Formatting (cargo fmt --check)"
cargo fmt --all --check

step "Lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "The rules crate stays free of I/O (no sqlx, axum or tokio in ecrin-core)"
for forbidden in sqlx axum tokio; do
  if cargo tree -p ecrin-core -e normal -i "$forbidden" --locked >/dev/null 2>&1; then
    echo "ecrin-core depends on $forbidden" >&2
    exit 1
  fi
done
echo "ok"

step "The web layer reaches the store only through the use cases (no ecrin-store in ecrin-web)"
if cargo tree -p ecrin-web -e normal --depth 1 --locked | grep -q ' ecrin-store '; then
  echo "ecrin-web depends on ecrin-store" >&2
  exit 1
fi
if grep -rn 'ecrin_store' crates/web/src; then
  echo "ecrin-web names ecrin_store" >&2
  exit 1
fi
echo "ok"

step "Tests (unit, storage story on SQLite and PostgreSQL, HTTP, browser)"
export ECRIN_BROWSER_TESTS=1
# Every tool the tests use is installed above: a test that finds one missing fails.
export ECRIN_EVERY_TOOL=1
status=0
cargo test --workspace --locked --no-fail-fast 2>&1 | tee target/test-output.txt || status=$?
# Counted by awk alone: a log without any result line (the tests did not compile) counts
# 0, and no pipe can stop this script before the failures are printed.
count() { awk -v what="$1" '/^test result:/ { for (i = 2; i <= NF; i++) if ($i ~ "^" what) n += $(i - 1) } END { print n + 0 }' target/test-output.txt; }
passed=$(count passed)
failed=$(count failed)

coverage=../shared/tools/terms-coverage
if [ -x "$coverage" ]; then
  step "Rules of TERMS.md with a test naming them"
  "$coverage" . | tail -n 1
fi

echo
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ]; then
  # The failures' own messages, again at the end where a long log is read first.
  step "What failed (cargo test exited with ${status})"
  # Stack frames are left out (the log above has them): the test, its panic and message.
  awk '/^failures:$/ { on = 1 }
       on && !/^$/ && !/^ +[0-9]+: / && !/^ +at / && shown < 200 { print; shown++ }
       /^test result: FAILED/ { on = 0 }' target/test-output.txt
  exit "$status"
fi
