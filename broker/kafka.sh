#!/usr/bin/env bash
# kafka.sh runs a real Apache Kafka node (KRaft, broker and controller in one
# JVM) on 127.0.0.1 for local runs and integration tests: alone, a
# single-node cluster; driven by broker/cluster.sh, one node of three.
#
# Usage: broker/kafka.sh start|stop|kill|status|fetch|tool CLASS [ARGS...]
# See broker/README.md for the environment variables.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KAFKA_VERSION=4.1.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$ROOT/.data/kafka}"
KAFKA_LIBS="${KAFKA_LIBS:-$ROOT/.cache/kafka-libs}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
# A node of a cluster: its id, every controller of the quorum, the cluster id
# all nodes share, and the replication of the broker's own topics.
KAFKA_NODE_ID="${KAFKA_NODE_ID:-1}"
KAFKA_QUORUM_VOTERS="${KAFKA_QUORUM_VOTERS:-$KAFKA_NODE_ID@127.0.0.1:$KAFKA_CONTROLLER_PORT}"
KAFKA_CLUSTER_ID="${KAFKA_CLUSTER_ID:-}"
KAFKA_REPLICATION="${KAFKA_REPLICATION:-1}"
# One replica may be lost without refusing writes once there are three.
KAFKA_MIN_ISR="${KAFKA_MIN_ISR:-$((KAFKA_REPLICATION >= 3 ? 2 : 1))}"
# 1: SASL_SSL, SCRAM users, TLS and ACLs (secure.sh).
KAFKA_SECURE="${KAFKA_SECURE:-0}"
# Absolute paths: the pid check matches the broker's command line.
[[ "$KAFKA_DATA_DIR" == /* ]] || KAFKA_DATA_DIR="$PWD/$KAFKA_DATA_DIR"
[[ "$KAFKA_LIBS" == /* ]] || KAFKA_LIBS="$PWD/$KAFKA_LIBS"

POM="$ROOT/broker/pom.xml"
if [[ "$KAFKA_SECURE" == 1 ]]; then
	# shellcheck source=broker/secure.sh
	source "$ROOT/broker/secure.sh"
fi
LOG4J_CONFIG="$ROOT/broker/log4j2.yaml"
# The stamp holds a hash of pom.xml: jars are fetched again when the pom changes.
STAMP="$KAFKA_LIBS/.fetched"
PROPS="$KAFKA_DATA_DIR/server.properties"
PID_FILE="$KAFKA_DATA_DIR/kafka.pid"
LOG_FILE="$KAFKA_DATA_DIR/kafka.log"
CLUSTER_ID_FILE="$KAFKA_DATA_DIR/cluster.id"
STARTED_LINE="Kafka Server started"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT=30

say() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }

# port_open reports whether something accepts TCP connections on 127.0.0.1:$1.
port_open() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# broker_pid prints the pid of the broker this script started for
# $KAFKA_DATA_DIR, if it is still alive. The command line is checked so that a
# stale pid file never leads to signalling an unrelated process.
broker_pid() {
	local pid
	[[ -f "$PID_FILE" ]] || return 1
	pid="$(<"$PID_FILE")"
	[[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $PROPS" || return 1
	echo "$pid"
}

# alive reports whether process $1 still exists. A JVM's main thread turns
# zombie before its other threads have exited and closed its sockets, so a
# zombie counts as gone only once it is down to its last thread.
alive() {
	local state tasks
	state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
	[[ -n "$state" ]] || return 1
	[[ "$state" != Z ]] && return 0
	tasks="$(find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
	((tasks > 1))
}

# wait_gone waits up to $2 seconds for process $1 to exit and free its ports.
wait_gone() {
	local deadline=$((SECONDS + $2))
	while ((SECONDS < deadline)); do
		if ! alive "$1" && ! port_open "$KAFKA_PORT" && ! port_open "$KAFKA_CONTROLLER_PORT"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

apt_install() {
	if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null; then
		return 1
	fi
	say "installing $* with apt-get"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

java_major() {
	local version
	version="$(java -version 2>&1 | sed -nE 's/.*version "([^"]+)".*/\1/p' | head -n1)"
	version="${version#1.}"
	version="${version%%[.+-]*}"
	echo "${version:-0}"
}

need_java() {
	if ! command -v java >/dev/null || (($(java_major) < 17)); then
		apt_install openjdk-17-jre-headless ||
			die "Java 17 or newer is needed; on Debian: apt-get install -y openjdk-17-jre-headless maven"
	fi
	(($(java_major) >= 17)) || die "java is version $(java_major); Java 17 or newer is needed"
}

need_maven() {
	command -v mvn >/dev/null && return 0
	apt_install maven || die "Maven is needed to fetch the Kafka jars; on Debian: apt-get install -y maven"
}

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

libs_ready() { [[ -f "$STAMP" && "$(<"$STAMP")" == "$(pom_hash)" ]]; }

# fetch_libs copies the broker's jars into $KAFKA_LIBS unless the stamp says
# they are already there. A lock keeps two concurrent starts from fetching
# into the same directory at once.
fetch_libs() {
	libs_ready && return 0
	mkdir -p "$KAFKA_LIBS"
	exec 9>"$KAFKA_LIBS/.lock"
	flock 9
	if ! libs_ready; then
		need_maven
		say "fetching Kafka $KAFKA_VERSION jars into $KAFKA_LIBS"
		rm -f "$STAMP" "$KAFKA_LIBS"/*.jar
		local out
		# Maven's output is kept for errors only: -q still prints colour codes.
		out="$(mvn -q -B -f "$POM" package -Dlibs.dir="$KAFKA_LIBS" -Dcache.dir="$ROOT/.cache" 2>&1)" ||
			die "mvn could not fetch the Kafka jars:"$'\n'"$out"
		pom_hash >"$STAMP"
	fi
	exec 9>&-
}

write_properties() {
	mkdir -p "$KAFKA_DATA_DIR/logs"
	cat >"$PROPS" <<EOF
# Written by broker/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_QUORUM_VOTERS
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA_DIR/logs

# The broker's own topics: one replica on one node, three in a cluster.
offsets.topic.replication.factor=$KAFKA_REPLICATION
transaction.state.log.replication.factor=$KAFKA_REPLICATION
transaction.state.log.min.isr=$KAFKA_MIN_ISR
share.coordinator.state.topic.replication.factor=$KAFKA_REPLICATION
share.coordinator.state.topic.min.isr=$KAFKA_MIN_ISR
default.replication.factor=$KAFKA_REPLICATION
min.insync.replicas=$KAFKA_MIN_ISR
# Never elect a replica that may have missed acknowledged records.
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
# After a kill -9 the controller waits out the old broker session before the
# broker may register again: 3 s instead of the default 9 s.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000

# The Go code creates every topic itself, so a typo fails instead of creating one.
auto.create.topics.enable=false
# Room for the 2 MiB poison records in tests; record size limits are the app's job.
message.max.bytes=4194304
EOF
}

# format_storage formats the log dir once; the cluster id is kept beside it.
# The nodes of a cluster get theirs from KAFKA_CLUSTER_ID.
format_storage() {
	[[ -f "$KAFKA_DATA_DIR/logs/meta.properties" ]] && return 0
	local id
	if [[ -n "$KAFKA_CLUSTER_ID" ]]; then
		echo "$KAFKA_CLUSTER_ID" >"$CLUSTER_ID_FILE"
	elif [[ ! -s "$CLUSTER_ID_FILE" ]]; then
		# The tool may print log lines before the id; the id is the last line.
		id="$(run_java kafka.tools.StorageTool random-uuid | tail -n 1)"
		[[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka.tools.StorageTool random-uuid printed no cluster id: $id"
		echo "$id" >"$CLUSTER_ID_FILE"
	fi
	say "formatting $KAFKA_DATA_DIR/logs (cluster id $(<"$CLUSTER_ID_FILE"))"
	local scram=()
	[[ "$KAFKA_SECURE" == 1 ]] && mapfile -t scram < <(scram_args)
	run_java kafka.tools.StorageTool format -t "$(<"$CLUSTER_ID_FILE")" -c "$PROPS" "${scram[@]}" >>"$LOG_FILE" 2>&1 ||
		die "formatting the storage failed; see $LOG_FILE"
}

run_java() {
	java -Dlog4j2.configurationFile="$LOG4J_CONFIG" -cp "$KAFKA_LIBS/*" "$@"
}

launch() {
	# KAFKA_HEAP_OPTS is split into words on purpose.
	# shellcheck disable=SC2206
	local jvm_opts=(
		$KAFKA_HEAP_OPTS
		-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
		-XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
	)
	# setsid detaches the broker from the caller's session, so it outlives
	# the shell (and a Ctrl-C in it); the child records its own pid and runs
	# in the data dir, where a JVM crash file would land.
	# shellcheck disable=SC2016
	setsid bash -c 'echo $$ >"$1"; cd "$2"; shift 2; exec "$@"' _ "$PID_FILE" "$KAFKA_DATA_DIR" \
		java "${jvm_opts[@]}" -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
		-cp "$KAFKA_LIBS/*" kafka.Kafka "$PROPS" </dev/null >>"$LOG_FILE" 2>&1 &
}

# wait_ready waits for the started line in this run's log and the open port:
# the port opens before the broker has finished catching up on its metadata.
wait_ready() {
	local deadline=$((SECONDS + START_TIMEOUT))
	while ((SECONDS < deadline)); do
		if ! broker_pid >/dev/null; then
			echo "kafka: the broker exited during start" >&2
			break
		fi
		if grep -qF "$STARTED_LINE" "$LOG_FILE" 2>/dev/null && port_open "$KAFKA_PORT"; then
			return 0
		fi
		sleep 0.2
	done
	echo "kafka: the broker did not become ready on 127.0.0.1:$KAFKA_PORT; last lines of $LOG_FILE:" >&2
	tail -n 40 "$LOG_FILE" >&2 || true
	return 1
}

cmd_start() {
	local pid begin=$SECONDS
	if pid="$(broker_pid)"; then
		say "broker already running (pid $pid); waiting until it answers"
		wait_ready || exit 1
		say "ready on 127.0.0.1:$KAFKA_PORT"
		return 0
	fi
	if port_open "$KAFKA_PORT"; then
		say "something already answers on 127.0.0.1:$KAFKA_PORT; reusing it"
		return 0
	fi
	if port_open "$KAFKA_CONTROLLER_PORT"; then
		die "controller port 127.0.0.1:$KAFKA_CONTROLLER_PORT is taken by another process; set KAFKA_CONTROLLER_PORT"
	fi
	need_java
	fetch_libs
	write_properties
	if [[ "$KAFKA_SECURE" == 1 ]]; then
		make_secrets
		secure_properties
	fi
	[[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
	format_storage
	rm -f "$PID_FILE"
	launch
	# The pid file is written by the child; give it a moment to appear.
	for _ in $(seq 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
	wait_ready || { cmd_kill >/dev/null; exit 1; }
	[[ "$KAFKA_SECURE" == 1 ]] && apply_acls_once
	say "ready on 127.0.0.1:$KAFKA_PORT (pid $(<"$PID_FILE"), data $KAFKA_DATA_DIR, $((SECONDS - begin))s)"
}

cmd_stop() {
	local pid
	if ! pid="$(broker_pid)"; then
		rm -f "$PID_FILE"
		say "not running"
		return 0
	fi
	kill -TERM "$pid"
	if wait_gone "$pid" "$STOP_TIMEOUT"; then
		rm -f "$PID_FILE"
		say "stopped (pid $pid)"
		return 0
	fi
	say "pid $pid still running after ${STOP_TIMEOUT}s; sending SIGKILL"
	cmd_kill
}

cmd_kill() {
	local pid
	if ! pid="$(broker_pid)"; then
		rm -f "$PID_FILE"
		say "not running"
		return 0
	fi
	kill -KILL "$pid"
	wait_gone "$pid" 10 || die "pid $pid or its ports still there 10s after SIGKILL"
	rm -f "$PID_FILE"
	say "killed (pid $pid)"
}

cmd_status() {
	local pid
	if pid="$(broker_pid)"; then
		if port_open "$KAFKA_PORT"; then
			say "running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
		else
			say "running (pid $pid), not yet answering on 127.0.0.1:$KAFKA_PORT"
		fi
		return 0
	fi
	if port_open "$KAFKA_PORT"; then
		say "something not started by this script answers on 127.0.0.1:$KAFKA_PORT"
		return 0
	fi
	say "not running"
	return 1
}

cmd_fetch() {
	fetch_libs
	say "jars ready in $KAFKA_LIBS"
}

# cmd_tool runs one of Kafka's own tools from the same jars, as the
# distribution's kafka-run-class.sh does, e.g.
# org.apache.kafka.tools.ProducerPerformance for the raw ceiling.
cmd_tool() {
	[[ $# -ge 1 ]] || die "usage: $0 tool CLASS [ARGS...]"
	need_java
	fetch_libs
	run_java "$@"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
kill) cmd_kill ;;
status) cmd_status ;;
fetch) cmd_fetch ;;
tool)
	shift
	cmd_tool "$@"
	;;
*)
	echo "usage: $0 start|stop|kill|status|fetch|tool CLASS [ARGS...]" >&2
	exit 2
	;;
esac
