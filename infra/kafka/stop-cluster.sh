#!/usr/bin/env bash
# Stop all nodes of the 3-node cluster (exit 0 if none running).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$HERE/common.sh"

# Send SIGTERM to all first so they shut down together (a lone last node would
# wait for a controller quorum that is gone), then wait for each.
for n in "${CLUSTER_NODES[@]}"; do
  if pid="$(node_pid "$n")"; then
    echo "$(node_label "$n"): sending SIGTERM to pid $pid"
    kill -s TERM "$pid" 2>/dev/null || true
  fi
done
for n in "${CLUSTER_NODES[@]}"; do node_stop "$n" SENT; done
