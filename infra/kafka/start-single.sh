#!/usr/bin/env bash
# Start a single-node Kafka (KRaft, broker+controller) on 127.0.0.1:9092 and wait until ready.
#   bash infra/kafka/start-single.sh [--fresh]
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR (.kafka/single),
#      KAFKA_HEAP_OPTS, KAFKA_JVM_OPTS, KAFKA_READY_TIMEOUT (120).
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node.sh" start single "$@"
