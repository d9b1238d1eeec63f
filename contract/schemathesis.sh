#!/usr/bin/env bash
# schemathesis.sh checks the running API against its own OpenAPI document
# with schemathesis (from PyPI), an outside fuzzer: no 5xx, and every answer
# conforms to the document. It starts `orderflow all` on the broker named by
# KAFKA_BROKERS, with a token for one customer, and stops it afterwards.
#
# Usage: KAFKA_BROKERS=127.0.0.1:19092 contract/schemathesis.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BIN:-$ROOT/bin/orderflow}"
VENV="${SCHEMATHESIS_VENV:-$ROOT/.cache/schemathesis}"
SCHEMATHESIS_VERSION=4.32.5
PORT="${CONTRACT_PORT:-18480}"
WORK="$(mktemp -d)"
export AUTH_HS256_SECRET="contract-test-secret-0123456789abcdef0123"
export DATA_DIR="$WORK/data" HTTP_ADDR="127.0.0.1:$PORT" METRICS_ADDR="127.0.0.1:0" NATS_PORT=18422
export RATE_LIMIT=100000 RATE_BURST=100000 LOG_LEVEL=warn

say() { echo "contract: $*"; }

if [[ ! -x "$VENV/bin/schemathesis" ]] || ! "$VENV/bin/schemathesis" --version | grep -qF "$SCHEMATHESIS_VERSION"; then
	say "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $VENV"
	if ! python3 -m venv "$VENV" 2>/dev/null; then
		# Debian's python3 has venv in a package of its own.
		apt-get install -y -q python3-venv >/dev/null
		python3 -m venv "$VENV"
	fi
	"$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

"$BIN" all >"$WORK/orderflow.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do
	curl -fs -o /dev/null "http://$HTTP_ADDR/readyz" && break
	kill -0 "$pid" 2>/dev/null || { cat "$WORK/orderflow.log"; exit 1; }
	sleep 0.5
done
curl -fs -o /dev/null "http://$HTTP_ADDR/readyz" || { say "the API did not get ready"; cat "$WORK/orderflow.log"; exit 1; }
TOKEN="$("$BIN" token --customer contract-alice)"

# The event streams stay open for minutes by design; a fuzzer waiting on
# each would time out, and their first answers are checked by the Go tests.
say "schemathesis against http://$HTTP_ADDR/openapi.json"
"$VENV/bin/schemathesis" run "http://$HTTP_ADDR/openapi.json" \
	--header "Authorization: Bearer $TOKEN" \
	--checks all --exclude-path-regex '/events$' \
	--max-examples "${CONTRACT_EXAMPLES:-50}" --seed 1 --request-timeout 10 \
	--suppress-health-check all --workers 1 \
	--baseline "$ROOT/contract/baseline.json" "$@" && exit 0
rc=$?
# The log goes with $WORK when the script exits: keep what explains a
# failure (LOG_LEVEL=warn, so only warnings and errors).
say "schemathesis failed; the last lines of orderflow's log:"
tail -n 60 "$WORK/orderflow.log"
exit "$rc"
