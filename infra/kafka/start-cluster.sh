#!/usr/bin/env bash
# Start a 3-node Kafka KRaft cluster on 127.0.0.1 (every node broker+controller)
# and wait until all three are ready.
#   bash infra/kafka/start-cluster.sh [--fresh]
# Clients: 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094
# Control one node: bash infra/kafka/node.sh start|stop|kill9|status <1|2|3>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$HERE/common.sh"

fresh=0
for a in "$@"; do
  case "$a" in --fresh) fresh=1 ;; *) echo "usage: start-cluster.sh [--fresh]" >&2; exit 2 ;; esac
done

ensure_jars
if (( fresh )); then
  for n in "${CLUSTER_NODES[@]}"; do node_stop "$n"; done
  for n in "${CLUSTER_NODES[@]}"; do node_wipe "$n"; done
fi
# A combined node cannot finish starting before the controller quorum (2 of 3) is up,
# so start all three, then wait for each.
for n in "${CLUSTER_NODES[@]}"; do node_start "$n"; done
for n in "${CLUSTER_NODES[@]}"; do node_wait "$n"; done
bootstrap=""
for n in "${CLUSTER_NODES[@]}"; do bootstrap+="${bootstrap:+,}$KAFKA_HOST:$(cluster_client_port "$n")"; done
echo "kafka cluster ready: $bootstrap"
