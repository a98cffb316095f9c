#!/usr/bin/env bash
# Run the single-machine portal the way an IMWG would run it on one server:
# gunicorn (as the docker image serves it, with the same WSGI entry point),
# a supervised jobs worker (started again when it dies), the local mail
# catcher and the notifications' tick. Logs go to .data/*.log; Ctrl-C stops
# everything.
#
#   scripts/portal.sh [portal.ini]      HOST=127.0.0.1 PORT=5000 WORKERS=2 DATA=.data
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
INI=$(realpath "${1:-portal.ini}")
CKAN=$(realpath "${CKAN:-$ROOT/.venv/bin/ckan}")
GUNICORN=${GUNICORN:-$(dirname "$CKAN")/gunicorn}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
WORKERS=${WORKERS:-2}
DATA=$(realpath -m "${DATA:-.data}")
mkdir -p "$DATA/mail"

supervise() {
  # run "$@" again whenever it stops, until this script stops
  local name=$1
  shift
  while true; do
    "$@" || true
    echo "$(date -u +%FT%TZ) portal: the $name stopped; starting it again in 2 s"
    sleep 2
  done
}

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    pkill -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
}
trap stop EXIT INT TERM

# the JavaScript modules' messages (the map widget's buttons...) in every language, plugins' included
"$CKAN" -c "$INI" translation js >> "$DATA/portal-start.log" 2>&1 || echo "JS translations not built; see $DATA/portal-start.log"
supervise "jobs worker" "$CKAN" -c "$INI" jobs worker >> "$DATA/worker.log" 2>&1 &
pids+=($!)
"$CKAN" -c "$INI" notify mailcatcher >> "$DATA/mailcatcher.log" 2>&1 &
pids+=($!)
"$CKAN" -c "$INI" notify tick --every 300 >> "$DATA/tick.log" 2>&1 &
pids+=($!)
echo "Jobs worker (supervised; log $DATA/worker.log), mail catcher ($DATA/mail), tick every 5 min ($DATA/tick.log)"
echo "Portal: http://$HOST:$PORT  (Ctrl-C stops it)"
# in the foreground: its log (CKAN's at INFO, one line per request) is this terminal's
CKAN_INI=$INI "$GUNICORN" --chdir "$ROOT/docker" --bind "$HOST:$PORT" --workers "$WORKERS" --timeout 120 \
  --access-logfile - wsgi:application
