// Package integration tests orderflow end to end against a real Kafka broker
// and a real NATS server over loopback, running the real orderflow binary.
// `make test` starts a fresh broker and sets ORDERFLOW_TEST_KAFKA; without it
// these tests skip.
package integration
