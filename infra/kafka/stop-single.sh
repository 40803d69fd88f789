#!/usr/bin/env bash
# Stop the single-node Kafka started by start-single.sh (exit 0 if not running).
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node.sh" stop single
