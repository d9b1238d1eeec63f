#!/usr/bin/env bash
# cluster.sh runs a local three-node Kafka cluster on 127.0.0.1: each node is
# broker and controller in one JVM, started by kafka.sh with its own ports and
# data folder, and the three controllers form the KRaft quorum.
#
# Usage: broker/cluster.sh start|stop|kill|status [node...]   (no node: all)
#        broker/cluster.sh brokers      the bootstrap list, for KAFKA_BROKERS
#        broker/cluster.sh controller   the node id of the active controller
#        broker/cluster.sh fetch        only fetch the jars
# See broker/README.md for the environment variables.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KAFKA_SH="$ROOT/broker/kafka.sh"
KAFKA_CLUSTER_PORT="${KAFKA_CLUSTER_PORT:-9192}"
KAFKA_CLUSTER_SIZE="${KAFKA_CLUSTER_SIZE:-3}"
KAFKA_CLUSTER_DIR="${KAFKA_CLUSTER_DIR:-$ROOT/.data/cluster}"
KAFKA_LIBS="${KAFKA_LIBS:-$ROOT/.cache/kafka-libs}"
[[ "$KAFKA_CLUSTER_DIR" == /* ]] || KAFKA_CLUSTER_DIR="$PWD/$KAFKA_CLUSTER_DIR"
[[ "$KAFKA_LIBS" == /* ]] || KAFKA_LIBS="$PWD/$KAFKA_LIBS"
export KAFKA_LIBS
# Three JVMs share the machine: a smaller heap each than the lone broker's.
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# The first start waits for the quorum of all three, on a busy machine too.
export KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
CLUSTER_ID_FILE="$KAFKA_CLUSTER_DIR/cluster.id"
# With KAFKA_SECURE=1 the nodes share one CA, certificate and set of users.
export KAFKA_SECURE_DIR="${KAFKA_SECURE_DIR:-$KAFKA_CLUSTER_DIR/secure}"

say() { echo "cluster: $*"; }
die() { echo "cluster: $*" >&2; exit 1; }

# Node n listens on base+100*(n-1) for clients and one port above for the
# controller: 9192/9193, 9292/9293, 9392/9393 by default.
client_port() { echo $((KAFKA_CLUSTER_PORT + 100 * ($1 - 1))); }
controller_port() { echo $(($(client_port "$1") + 1)); }

nodes() { seq 1 "$KAFKA_CLUSTER_SIZE"; }

voters() {
	local n out=()
	for n in $(nodes); do out+=("$n@127.0.0.1:$(controller_port "$n")"); done
	(IFS=,; echo "${out[*]}")
}

cmd_brokers() {
	local n out=()
	for n in $(nodes); do out+=("127.0.0.1:$(client_port "$n")"); done
	(IFS=,; echo "${out[*]}")
}

# make_cluster_id makes the cluster's id once, before any node starts: every
# node is formatted with it. A Kafka cluster id is 16 random bytes in
# URL-safe base64 without padding.
make_cluster_id() {
	mkdir -p "$KAFKA_CLUSTER_DIR"
	if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
		local id
		while :; do
			id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
			[[ "$id" != -* ]] && break # the tools would read it as a flag
		done
		echo "$id" >"$CLUSTER_ID_FILE"
	fi
}

# node runs kafka.sh $2 for node $1 with that node's settings.
node() {
	local n=$1 replication=$((KAFKA_CLUSTER_SIZE < 3 ? KAFKA_CLUSTER_SIZE : 3))
	KAFKA_NODE_ID="$n" \
		KAFKA_PORT="$(client_port "$n")" \
		KAFKA_CONTROLLER_PORT="$(controller_port "$n")" \
		KAFKA_DATA_DIR="$KAFKA_CLUSTER_DIR/node$n" \
		KAFKA_QUORUM_VOTERS="$(voters)" \
		KAFKA_CLUSTER_ID="$(cat "$CLUSTER_ID_FILE" 2>/dev/null)" \
		KAFKA_REPLICATION="$replication" \
		"$KAFKA_SH" "$2" 2>&1 | sed -u "s/^kafka: /node $n: /"
	return "${PIPESTATUS[0]}"
}

# each runs kafka.sh $1 for the given nodes (all when none) at once: a
# fresh node cannot finish starting before a majority of controllers runs,
# and stopping one at a time would leave the last without a quorum to
# leave in order.
each() {
	local action=$1 n rc=0 pids=()
	shift
	local which=("$@")
	((${#which[@]})) || mapfile -t which < <(nodes)
	for n in "${which[@]}"; do
		[[ "$n" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= KAFKA_CLUSTER_SIZE)) || die "no node $n; nodes are 1 to $KAFKA_CLUSTER_SIZE"
	done
	for n in "${which[@]}"; do
		node "$n" "$action" &
		pids+=($!)
	done
	for n in "${pids[@]}"; do wait "$n" || rc=1; done
	return $rc
}

# cmd_controller asks the quorum which controller leads it (the tool prints
# LeaderId), through the first node whose controller port answers. The
# tool's admin client would wait a minute for a node that is down.
cmd_controller() {
	local n out conf="$KAFKA_CLUSTER_DIR/tools.properties"
	mkdir -p "$KAFKA_CLUSTER_DIR"
	printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=10000\n' >"$conf"
	for n in $(nodes); do
		timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(controller_port "$n")" 2>/dev/null || continue
		out="$(java -Dlog4j2.configurationFile="$ROOT/broker/log4j2.yaml" -cp "$KAFKA_LIBS/*" \
			org.apache.kafka.tools.MetadataQuorumCommand --command-config "$conf" \
			--bootstrap-controller "127.0.0.1:$(controller_port "$n")" describe --status 2>/dev/null)" || continue
		out="$(sed -nE 's/^LeaderId:[[:space:]]*([0-9]+)$/\1/p' <<<"$out")"
		[[ -n "$out" ]] && { echo "$out"; return 0; }
	done
	die "no controller answered"
}

case "${1:-}" in
start)
	shift
	"$KAFKA_SH" fetch >/dev/null
	make_cluster_id
	each start "$@"
	say "KAFKA_BROKERS=$(cmd_brokers)"
	;;
stop | kill | status)
	action=$1
	shift
	each "$action" "$@"
	;;
brokers) cmd_brokers ;;
controller) cmd_controller ;;
fetch) "$KAFKA_SH" fetch ;;
*)
	echo "usage: $0 start|stop|kill|status [node...] | brokers | controller | fetch" >&2
	exit 2
	;;
esac
