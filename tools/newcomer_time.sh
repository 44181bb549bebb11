#!/usr/bin/env bash
# How long a newcomer waits: clone this repository into a temporary folder and time `make demo` there (the whole of
# `make run` but the web server), as a newcomer first meets it: SQLite, eager Celery, no DATABASE_URL / REDIS_URL.
# Prints the pip, migrate and seed parts and the total. Usage: tools/newcomer_time.sh [--cold] [git ref]
#   --cold   an empty pip cache too (PIP_NO_CACHE_DIR), as on a machine that never installed these packages
# The target (issue 16): at most 3 minutes from the clone to the first page, seed_demo at most 30 s.
set -euo pipefail
cold=0
if [ "${1:-}" = "--cold" ]; then cold=1; shift; fi
src="$(cd "$(dirname "$0")/.." && pwd)"
ref="${1:-$(git -C "$src" rev-parse --abbrev-ref HEAD)}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/repairnet-newcomer.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log="$tmp/newcomer.log"

# The newcomer's environment: none of the deployment's settings.
unset DATABASE_URL REDIS_URL MEDIA_ROOT CELERY_BROKER_URL
if [ "$cold" = 1 ]; then export PIP_NO_CACHE_DIR=1; fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

t0=$(now)
git clone --quiet --branch "$ref" "$src" "$tmp/repairnet" 2>/dev/null || git clone --quiet "$src" "$tmp/repairnet"
git -C "$tmp/repairnet" checkout --quiet "$ref"
cd "$tmp/repairnet"
t1=$(now)
step() {  # step NAME make-target: run it, its output to the log (tail on failure)
  if ! make "$2" >>"$log" 2>&1; then
    echo "make $2 failed; the end of its output:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}
step pip runtime
t2=$(now)
step migrate migrate
t3=$(now)
step seed demo
t4=$(now)

echo "newcomer path of $ref ($(git rev-parse --short HEAD)) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)$([ "$cold" = 1 ] && echo ', cold pip cache'):"
echo "  clone            $(secs "$t0" "$t1") s"
echo "  pip (runtime)    $(secs "$t1" "$t2") s"
echo "  migrate          $(secs "$t2" "$t3") s"
echo "  seed_demo        $(secs "$t3" "$t4") s   ($(grep -o 'Demo data ready in [0-9.]* s' "$log" || echo '?'))"
echo "  total            $(secs "$t0" "$t4") s   (target: 180 s)"
