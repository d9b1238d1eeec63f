# orderflow: `make run` brings the whole system up on loopback; `make test`
# runs every test, starting the real Kafka broker the integration tests need
# and installing the chromium the browser tests drive.

GO        ?= go
BIN       := bin/orderflow
TEST_KAFKA_PORT ?= 19092
TEST_KAFKA_DIR  := .data/kafka-test
# Development only: `make run` signs demo tokens with this secret.
DEV_SECRET ?= dev-secret-change-me-0123456789abcdef

export GOFLAGS := -buildvcs=false

.PHONY: run build test test-unit test-integration test-cluster test-secure test-contract fuzz bench bench-scale bench-e2e lint broker broker-stop cluster cluster-stop chromium clean compose-env

## run: start Kafka (or use KAFKA_BROKERS), then every service and the API on 127.0.0.1:8080
run: build
	@if [ -z "$$KAFKA_BROKERS" ]; then broker/kafka.sh start; \
		echo "The Kafka broker keeps running after orderflow stops (Ctrl-C); make broker-stop stops it."; fi
	AUTH_HS256_SECRET=$${AUTH_HS256_SECRET:-$(DEV_SECRET)} $(BIN) all; \
		rc=$$?; [ -n "$$KAFKA_BROKERS" ] || echo "orderflow stopped; the Kafka broker still runs: make broker-stop"; exit $$rc

## compose-env: fresh random secrets for docker-compose.yml in .env (git-ignored, mode 0600);
## an existing .env is kept, since the volumes already hold data made with its secrets
compose-env:
	@if [ -e .env ]; then echo ".env exists: keeping its secrets (delete it, and the volumes, for new ones)"; \
	else $(GO) run ./cmd/orderflow compose-env -o .env && echo "wrote .env: docker compose up --build"; fi

build:
	$(GO) build -o $(BIN) ./cmd/orderflow
	$(GO) build -o bin/loadgen ./cmd/loadgen

## test: vet, unit tests under -race, short fuzz runs, then the integration tests on a fresh broker
## and the broker fault tests on a fresh three-broker cluster, and the pipeline through a secured broker
test: lint test-unit fuzz test-integration test-cluster test-secure test-contract

## chromium: the browser the tracking page's tests drive (internal/browsertest). As root on
## Debian it is installed with apt-get when missing, as broker/kafka.sh installs Java.
chromium:
	@command -v chromium >/dev/null || { \
		{ [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; } || \
			{ echo "chromium is needed for the browser tests; on Debian: apt-get install -y chromium" >&2; exit 1; }; \
		echo "installing chromium with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The browser tests run when ORDERFLOW_TEST_BROWSER names chromium; their
# screenshots go under $(SCREENSHOTS), one folder per suite.
SCREENSHOTS ?= $(CURDIR)/.data/screenshots
BROWSER_ENV = ORDERFLOW_TEST_BROWSER=$$(command -v chromium) ORDERFLOW_TEST_SCREENSHOTS=$(SCREENSHOTS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool golangci-lint run ./...

test-unit: chromium
	$(BROWSER_ENV)/unit $(GO) test -race -count=1 $$($(GO) list ./... | grep -v /integration)

# Each fuzz target runs briefly on every test run; longer runs: FUZZTIME=2000000x make fuzz.
# The budget is a count of inputs, not a duration: Go 1.26's fuzz coordinator
# can end a timed run with a bare "context deadline exceeded" on a loaded
# machine (golang/go#75804), a failure with no finding behind it. A counted
# run has no deadline, and a real crasher still fails it.
FUZZTIME ?= 20000x
fuzz:
	@set -e; for target in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' . | sed 's/func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$target\(" --include='*_test.go' . | head -1 | xargs dirname); \
		echo "fuzz $$target in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

## test-integration: a fresh broker on port $(TEST_KAFKA_PORT), stopped afterwards; the fault
## tests kill and restart it through the same script.
TEST_BROKER_ENV := KAFKA_PORT=$(TEST_KAFKA_PORT) KAFKA_CONTROLLER_PORT=$$(($(TEST_KAFKA_PORT)+1)) KAFKA_DATA_DIR=$(CURDIR)/$(TEST_KAFKA_DIR)
test-integration: chromium
	rm -rf $(TEST_KAFKA_DIR)
	$(TEST_BROKER_ENV) broker/kafka.sh start
	$(TEST_BROKER_ENV) ORDERFLOW_TEST_KAFKA=127.0.0.1:$(TEST_KAFKA_PORT) ORDERFLOW_TEST_BROKER_SCRIPT=$(CURDIR)/broker/kafka.sh \
		$(BROWSER_ENV)/integration $(GO) test -count=1 -v -timeout 25m ./integration/ ; \
		rc=$$?; $(TEST_BROKER_ENV) broker/kafka.sh stop; exit $$rc

## test-cluster: the broker fault tests (integration/clusterfaults_test.go) on a fresh three-broker
## cluster on ports $(TEST_CLUSTER_PORT), +100 and +200 (controllers one above each), stopped afterwards;
## the tests kill, stop and start its nodes through broker/cluster.sh. About 5 minutes.
TEST_CLUSTER_PORT ?= 19192
TEST_CLUSTER_ENV := KAFKA_CLUSTER_PORT=$(TEST_CLUSTER_PORT) KAFKA_CLUSTER_DIR=$(CURDIR)/.data/cluster-test
test-cluster:
	rm -rf .data/cluster-test
	$(TEST_CLUSTER_ENV) broker/cluster.sh start
	$(TEST_CLUSTER_ENV) ORDERFLOW_TEST_KAFKA=$$($(TEST_CLUSTER_ENV) broker/cluster.sh brokers) ORDERFLOW_TEST_CLUSTER_SCRIPT=$(CURDIR)/broker/cluster.sh \
		$(GO) test -count=1 -v -timeout 20m -run '^TestKafkaClusterFaults$$' ./integration/ ; \
		rc=$$?; $(TEST_CLUSTER_ENV) broker/cluster.sh stop; exit $$rc

## test-secure: the pipeline through a fresh broker with KAFKA_SECURE=1 (SASL_SSL, SCRAM users, TLS,
## ACLs: broker/secure.sh) on port $(TEST_SECURE_PORT), and what it must refuse; stopped afterwards
TEST_SECURE_PORT ?= 19492
TEST_SECURE_ENV := KAFKA_SECURE=1 KAFKA_PORT=$(TEST_SECURE_PORT) KAFKA_CONTROLLER_PORT=$$(($(TEST_SECURE_PORT)+1)) KAFKA_DATA_DIR=$(CURDIR)/.data/kafka-secure
test-secure:
	rm -rf .data/kafka-secure
	$(TEST_SECURE_ENV) broker/kafka.sh start
	ORDERFLOW_TEST_KAFKA=127.0.0.1:$(TEST_SECURE_PORT) ORDERFLOW_TEST_SECURE_DIR=$(CURDIR)/.data/kafka-secure/secure \
		$(GO) test -count=1 -v -timeout 10m -run '^TestSecureKafka$$' ./integration/ ; \
		rc=$$?; $(TEST_SECURE_ENV) broker/kafka.sh stop; exit $$rc

## test-contract: schemathesis (from PyPI, into .cache) against the real API on a fresh broker: no 5xx,
## every answer as api/openapi.json says; the findings accepted on purpose are in contract/baseline.json
CONTRACT_BROKER_ENV := KAFKA_PORT=$(TEST_KAFKA_PORT) KAFKA_CONTROLLER_PORT=$$(($(TEST_KAFKA_PORT)+1)) KAFKA_DATA_DIR=$(CURDIR)/$(TEST_KAFKA_DIR)-contract
test-contract: build
	rm -rf $(TEST_KAFKA_DIR)-contract
	$(CONTRACT_BROKER_ENV) broker/kafka.sh start
	KAFKA_BROKERS=127.0.0.1:$(TEST_KAFKA_PORT) contract/schemathesis.sh; \
		rc=$$?; $(CONTRACT_BROKER_ENV) broker/kafka.sh stop; exit $$rc

## bench-scale: how costs grow with the order history: a fresh broker on port
## $(BENCH_KAFKA_PORT) filled with N orders (BENCH_SCALE_N, ascending), every service
## started new and restarted; prints a table. About 15 minutes at the defaults.
BENCH_KAFKA_PORT ?= 29092
BENCH_SCALE_N ?= 100000,1000000
BENCH_BROKER_ENV := KAFKA_PORT=$(BENCH_KAFKA_PORT) KAFKA_CONTROLLER_PORT=$$(($(BENCH_KAFKA_PORT)+1)) KAFKA_DATA_DIR=$(CURDIR)/.data/kafka-bench KAFKA_HEAP_OPTS="-Xms512m -Xmx1g"
bench-scale: build
	$(GO) build -o bin/benchscale ./cmd/benchscale
	rm -rf .data/kafka-bench .data/bench-scale
	$(BENCH_BROKER_ENV) broker/kafka.sh start
	bin/benchscale -brokers 127.0.0.1:$(BENCH_KAFKA_PORT) -n $(BENCH_SCALE_N) -bin $(BIN) -work .data/bench-scale; \
		rc=$$?; $(BENCH_BROKER_ENV) broker/kafka.sh stop; exit $$rc

## bench-e2e: throughput from end to end on a fresh broker (port $(E2E_KAFKA_PORT)) and NATS
## (port $(E2E_PORT_BASE), the services' ports after it), both stopped at the end: the broker's raw
## ceiling, the stages alone, `orderflow all` over HTTP at BENCH_E2E_RATES, the stages with a slow
## gateway; prints a table. BENCH_E2E_RATES=500,1000 sets the rates (default 500,1000,2000,3000);
## BENCH_E2E_FLAGS=-quick for a short try-out run, or any other flag of cmd/benche2e.
E2E_KAFKA_PORT ?= 59092
E2E_PORT_BASE ?= 59100
E2E_KAFKA_DIR := .data/kafka-e2e
BENCH_E2E_RATES ?=
BENCH_E2E_FLAGS ?=
E2E_BROKER_ENV := KAFKA_PORT=$(E2E_KAFKA_PORT) KAFKA_CONTROLLER_PORT=$$(($(E2E_KAFKA_PORT)+1)) KAFKA_DATA_DIR=$(CURDIR)/$(E2E_KAFKA_DIR) KAFKA_HEAP_OPTS="-Xms512m -Xmx1g"
bench-e2e: build
	$(GO) build -o bin/benche2e ./cmd/benche2e
	rm -rf $(E2E_KAFKA_DIR) .data/bench-e2e
	$(E2E_BROKER_ENV) broker/kafka.sh start
	bin/benche2e -brokers 127.0.0.1:$(E2E_KAFKA_PORT) -broker-pid-file $(E2E_KAFKA_DIR)/kafka.pid -port-base $(E2E_PORT_BASE) \
		-bin $(BIN) -work .data/bench-e2e $(if $(BENCH_E2E_RATES),-rates $(BENCH_E2E_RATES)) $(BENCH_E2E_FLAGS); \
		rc=$$?; $(E2E_BROKER_ENV) broker/kafka.sh stop; exit $$rc

## bench: Go benchmarks, then the load generator against a running `make run`
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

broker:
	broker/kafka.sh start

broker-stop:
	broker/kafka.sh stop

## cluster: a local three-broker KRaft cluster (broker/cluster.sh) on 127.0.0.1:9192,9292,9392;
## then `KAFKA_BROKERS=$$(broker/cluster.sh brokers) make run`
cluster:
	broker/cluster.sh start

cluster-stop:
	broker/cluster.sh stop

clean:
	rm -rf bin .data
