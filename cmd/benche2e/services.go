package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"orderflow/internal/benchkit"
)

// service is one orderflow process the benchmark started.
type service struct {
	*benchkit.Process
	base string // its HTTP address, the API's for `all`
}

// start runs `orderflow command` with its data under dir, on the
// benchmark's broker and NATS and its own ports; env is added.
func (b *bench) start(command, dir string, env ...string) (*service, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	httpPort, metricsPort := b.port(), b.port()
	p, err := benchkit.Start(benchkit.Spec{Bin: b.cfg.bin, Command: command, Log: filepath.Join(dir, command+".log"), Env: append([]string{
		"KAFKA_BROKERS=" + strings.Join(b.cfg.brokers, ","),
		"KAFKA_PARTITIONS=" + strconv.Itoa(int(b.cfg.partitions)),
		"DATA_DIR=" + dir,
		"HTTP_ADDR=127.0.0.1:" + strconv.Itoa(httpPort),
		"METRICS_ADDR=127.0.0.1:" + strconv.Itoa(metricsPort),
		"NATS_URL=" + b.nats.ClientURL(),
		"AUTH_HS256_SECRET=" + secret,
		"RATE_LIMIT=1000000", "RATE_BURST=1000000",
		"LOG_FORMAT=json", "LOG_LEVEL=" + b.cfg.logLevel,
	}, env...)})
	if err != nil {
		return nil, err
	}
	return &service{Process: p, base: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}, nil
}

// stopAll stops every service, each even when another fails to stop.
func stopAll(services []*service) error {
	var errs []error
	for _, s := range services {
		errs = append(errs, s.Stop())
	}
	return errors.Join(errs...)
}
