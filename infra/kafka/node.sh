#!/usr/bin/env bash
# Control one Kafka KRaft node (combined broker+controller).
#
#   infra/kafka/node.sh <command> <node> [--no-wait] [--fresh]
#
#   command: start | stop | kill9 | restart | status | wait | wipe
#   node:    single | 1 | 2 | 3      (1..3 = nodes of the 3-node cluster)
#
#   start    start in the background, then wait until ready (unless --no-wait);
#            --fresh wipes the node's data dir first. No-op if already running.
#   stop     SIGTERM, wait up to 30 s (KAFKA_STOP_TIMEOUT), then SIGKILL.
#   kill9    SIGKILL right away (crash simulation); restart it with `start`.
#   wait     wait until the node is ready (KAFKA_READY_TIMEOUT, default 120 s).
#   status   exit 0 if running.
#
# Example (failover test): node.sh kill9 2 && ... && node.sh start 2
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

cmd="${1:-}"; node="${2:-}"
[[ -n "$cmd" && -n "$node" ]] || usage
shift 2
wait_ready=1; fresh=0
for a in "$@"; do
  case "$a" in
    --no-wait) wait_ready=0 ;;
    --fresh) fresh=1 ;;
    *) usage ;;
  esac
done
node_dir "$node" >/dev/null || exit 2

case "$cmd" in
  start)
    if (( fresh )); then node_stop "$node"; node_wipe "$node"; fi
    node_start "$node"
    if (( wait_ready )); then node_wait "$node"; fi
    ;;
  restart)
    node_stop "$node"
    node_start "$node"
    if (( wait_ready )); then node_wait "$node"; fi
    ;;
  stop)   node_stop "$node" TERM ;;
  kill9)  node_stop "$node" KILL ;;
  wait)   node_wait "$node" ;;
  status) node_status "$node" ;;
  wipe)   node_wipe "$node" ;;
  *) usage ;;
esac
