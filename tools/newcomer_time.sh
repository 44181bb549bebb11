#!/usr/bin/env bash
# How long a newcomer waits: clone this repository into a temporary folder and time `make demo` there (the whole of
# `make run` but the web server), as a newcomer first meets it: SQLite, eager Celery, no DATABASE_URL / REDIS_URL.
# Prints the pip, migrate and seed parts and the total. Usage: tools/newcomer_time.sh [--cold] [git ref]
#   --cold   no pip or uv cache either (PIP_NO_CACHE_DIR, UV_NO_CACHE), as on a machine that never installed them
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
if [ "$cold" = 1 ]; then export PIP_NO_CACHE_DIR=1 UV_NO_CACHE=1; fi

# Each step's wall time, and the CPU time (user + sys) its processes used: on a shared, loaded machine the wall
# time grows with the load, the CPU time much less, so both are printed with the load average.
TIMEFORMAT="%R %U %S"
times_file="$tmp/times"
step() {  # step make-target: run it, its output to the log (its end on failure), its times to $times_file
  local rc=0
  { time make "$1" >>"$log" 2>&1 || rc=$?; } 2>>"$times_file"
  if [ "$rc" != 0 ]; then
    echo "make $1 failed; the end of its output:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}
row() {  # row LABEL LINE-NUMBER
  awk -v label="$1" -v n="$2" 'NR == n { printf "  %-16s %6.1f s wall  %6.1f s CPU\n", label, $1, $2 + $3 }' "$times_file"
}

clone_start=$SECONDS
git clone --quiet --branch "$ref" "$src" "$tmp/repairnet" 2>/dev/null || git clone --quiet "$src" "$tmp/repairnet"
git -C "$tmp/repairnet" checkout --quiet "$ref"
cd "$tmp/repairnet"
clone_secs=$((SECONDS - clone_start))
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
step runtime
step migrate
step demo
cold_note=""
if [ "$cold" = 1 ]; then cold_note=", no pip or uv cache"; fi
echo "newcomer path of $ref ($(git rev-parse --short HEAD)) on $(nproc) cores$cold_note;" \
  "load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after:"
echo "  clone            ${clone_secs} s"
row "pip (runtime)" 1
row "migrate" 2
row "seed_demo" 3
echo "  ($(grep -o 'Demo data ready in [0-9.]* s' "$log" || echo 'seed_demo: no summary line'))"
awk -v c="$clone_secs" '{ w += $1; u += $2 + $3 } END {
  printf "  total            %6.1f s wall  %6.1f s CPU   (target: 180 s wall)\n", w + c, u }' "$times_file"
