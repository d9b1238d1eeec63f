package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"orderflow/internal/benchkit"
)

// service is one running orderflow process.
type service struct {
	*benchkit.Process
	base string // the API's address, for kind "api"
}

// start runs `orderflow kind` with its data in dataDir.
func (b *bench) start(kind, dataDir string) (*service, error) {
	port, err := benchkit.FreePort()
	if err != nil {
		return nil, err
	}
	p, err := benchkit.Start(benchkit.Spec{Bin: b.cfg.bin, Command: kind, Log: filepath.Join(b.cfg.work, kind+".log"), Env: []string{
		"KAFKA_BROKERS=" + strings.Join(b.cfg.brokers, ","),
		"DATA_DIR=" + dataDir,
		"HTTP_ADDR=127.0.0.1:" + strconv.Itoa(port),
		"METRICS_ADDR=127.0.0.1:0",
		"NATS_URL=" + b.nats.ClientURL(),
		"AUTH_HS256_SECRET=" + secret,
		"RATE_LIMIT=1000000", "RATE_BURST=1000000",
		"LOG_FORMAT=json", "LOG_LEVEL=" + b.cfg.logLevel,
	}})
	if err != nil {
		return nil, err
	}
	return &service{Process: p, base: fmt.Sprintf("http://127.0.0.1:%d", port)}, nil
}

// waitReady waits for the API's readiness.
func (s *service) waitReady(ctx context.Context, limit time.Duration) (time.Duration, error) {
	return s.WaitReady(ctx, s.base, limit)
}

func (s *service) rssMiB() (float64, error) { return benchkit.RSSMiB(s.Pid()) }
