#!/usr/bin/env bash
# The suite's Solr, run from Maven artifacts by solr/ (our launcher):
#   scripts/solr.sh start       core "ckan" at http://127.0.0.1:8983/solr/ckan, data in .data/solr
#   scripts/solr.sh cloud       SolrCloud: ZooKeeper 127.0.0.1:9983, nodes :8984 and :8985,
#                               collection "ckan" (2 shards x 2 replicas), fresh each start
#                               and a control port on 127.0.0.1:9984 (SOLRCLOUD_CONTROL) that stops
#                               and restarts one node: POST /nodes/2/stop, POST /nodes/2/start, GET /nodes
#   scripts/solr.sh stop        stops both (whichever runs)
#   scripts/solr.sh with CMD..  runs CMD with the standalone Solr: starts it (and stops it after CMD)
#                               unless it runs already; exits with CMD's status
# Each runs in the background (pid in .data/solr*.pid, log in .data/solr*.log); start waits
# until the core answers a ping. SOLR_HEAP sets the JVM heap (default 1g per JVM).
# SOLR_NAME and SOLR_PORT run another standalone Solr (data .data/$SOLR_NAME, own pid and log).
# SOLRCLOUD_NAME, SOLRCLOUD_ZK, SOLRCLOUD_PORTS and SOLRCLOUD_CONTROL run another SolrCloud
# (defaults solrcloud, 9983, "8984 8985", 9984; data .data/$SOLRCLOUD_NAME, own pid and log).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=.data
CONF=solr/configset/ckan/conf
WAIT=${SOLR_WAIT:-180}
# a second standalone Solr beside the first (benchmarks, load tests): SOLR_NAME=solr-bench SOLR_PORT=8993
NAME=${SOLR_NAME:-solr}
PORT=${SOLR_PORT:-8983}
CLOUD=${SOLRCLOUD_NAME:-solrcloud}

launch() { # NAME PING_URL LAUNCHER_ARGS...
  local name=$1 ping=$2 pidfile=$DATA/$1.pid log=$DATA/$1.log
  shift 2
  if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    if curl -fsS -m 5 "$ping" >/dev/null 2>&1; then
      echo "$name already runs (pid $(cat "$pidfile"))"
      return 0
    fi
    echo "$name (pid $(cat "$pidfile")) runs but does not answer; see $log" >&2
    return 1
  fi
  mkdir -p "$DATA"
  local -a extra=()
  if [[ -n ${JAVA_EXTRA:-} ]]; then extra=("$JAVA_EXTRA"); fi
  nohup java -Xms256m "-Xmx${SOLR_HEAP:-1g}" "${extra[@]}" -Dsolr.log.dir="$PWD/$DATA" -Dsolr.install.dir="$PWD/solr" \
    -cp "solr/target/classes:$(cat solr/target/classpath.txt)" org.imwg.solr.Launcher "$@" \
    >"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local waited=0
  until curl -fsS -m 5 "$ping" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "$name stopped while starting; the end of $log:" >&2
      tail -n 20 "$log" >&2
      rm -f "$pidfile"
      return 1
    fi
    if ((waited >= WAIT)); then
      echo "$name did not answer $ping within ${WAIT}s; see $log" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "$name answers after ${waited}s (pid $(cat "$pidfile"), log $log)"
}

halt() { # NAME
  local pidfile=$DATA/$1.pid pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "$1 stopped"
  fi
  rm -f "$pidfile"
}

case ${1:-} in
  start) launch "$NAME" "http://127.0.0.1:$PORT/solr/ckan/admin/ping" standalone "$DATA/$NAME" "$CONF" "$PORT" ;;
  cloud)
    JAVA_EXTRA=-Dimwg.solr.control=${SOLRCLOUD_CONTROL:-9984} \
      launch "$CLOUD" "http://127.0.0.1:${SOLRCLOUD_CONTROL:-9984}/nodes" cloud "$DATA/$CLOUD" "$CONF" \
      "${SOLRCLOUD_ZK:-9983}" ${SOLRCLOUD_PORTS:-8984 8985}
    ;;
  with)
    shift
    if [[ -f $DATA/$NAME.pid ]] && kill -0 "$(cat "$DATA/$NAME.pid")" 2>/dev/null; then
      echo "$NAME already runs (pid $(cat "$DATA/$NAME.pid")); it keeps running after"
    else
      trap 'halt "$NAME"' EXIT
      launch "$NAME" "http://127.0.0.1:$PORT/solr/ckan/admin/ping" standalone "$DATA/$NAME" "$CONF" "$PORT"
    fi
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
  stop) halt "$NAME"; if [[ -z ${SOLR_NAME:-} ]]; then halt "$CLOUD"; fi ;;
  *) echo "usage: $0 start|cloud|stop|with CMD..." >&2; exit 2 ;;
esac
