#!/usr/bin/env bash
# Fetch the Apache Kafka broker jars (and a log4j2 SLF4J binding) from Maven
# Central into infra/kafka/lib/. Idempotent: skips when lib/ already matches
# the current pom.xml (stamp file holds the pom's hash).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
STAMP="$LIB/.stamp"

pom_hash() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }
jar_count() { local f n=0; for f in "$LIB"/*.jar; do [[ -e "$f" ]] && n=$((n + 1)); done; echo "$n"; }

want="$(pom_hash)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] && compgen -G "$LIB/kafka_2.13-*.jar" >/dev/null; then
  [[ "${1:-}" == "--quiet" ]] || echo "kafka jars up to date ($(jar_count) jars in infra/kafka/lib)"
  exit 0
fi

command -v mvn >/dev/null || { echo "error: mvn (Maven) not found on PATH; install Maven 3.8+ and Java 17+" >&2; exit 1; }
command -v java >/dev/null || { echo "error: java not found on PATH; install Java 17+" >&2; exit 1; }

echo "fetching Kafka jars from Maven Central…"
tmp="$LIB.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" \
  -DoutputDirectory="$tmp" \
  -DincludeScope=runtime \
  -Dmdep.useRepositoryLayout=false \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies
# keep target/ out of the way (maven may create it)
rm -rf "$HERE/target"
rm -rf "$LIB"
mv "$tmp" "$LIB"
trap - EXIT
echo "$want" > "$STAMP"
echo "done: $(jar_count) jars in infra/kafka/lib"
