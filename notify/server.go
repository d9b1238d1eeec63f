package notify

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig configures the embedded NATS server.
type ServerConfig struct {
	Host     string
	Port     int    // -1 picks a free port
	StoreDir string // JetStream's files
	// Auth, when set, is the only way in: services by user and password,
	// customers by token, each with their permissions.
	Auth *Authenticator
}

// StartServer runs a NATS server with JetStream inside this process, for the
// local run and the tests. Production points the services at a real cluster
// with NATS_URL.
func StartServer(cfg ServerConfig) (*server.Server, error) {
	opts := &server.Options{
		Host:      cfg.Host,
		Port:      cfg.Port,
		JetStream: true,
		StoreDir:  cfg.StoreDir,
		NoSigs:    true,
	}
	if cfg.Auth != nil {
		opts.CustomClientAuthentication = cfg.Auth
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("configuring nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("nats server on %s:%d did not start", cfg.Host, cfg.Port)
	}
	return s, nil
}
