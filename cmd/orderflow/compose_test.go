package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestComposeMatchesTheBinary checks docker-compose.yml as far as a file can
// be checked without a Docker engine: every orderflow container runs a
// subcommand this binary has, with configuration it accepts.
func TestComposeMatchesTheBinary(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	seen := map[string]bool{}
	for name, svc := range compose.Services {
		if svc.Image != "orderflow:dev" {
			continue
		}
		t.Run(name+" runs a subcommand the binary has with settings it accepts", func(t *testing.T) {
			require.Len(t, svc.Command, 1)
			_, ok := commands[svc.Command[0]]
			require.True(t, ok, "unknown subcommand %q", svc.Command[0])
			seen[svc.Command[0]] = true
			getenv := func(k string) string { return expand(svc.Environment[k]) }
			cfg, err := parseConfig(svc.Command[0], nil, getenv, os.Stderr)
			require.NoError(t, err)
			require.Equal(t, []string{"kafka:9092"}, cfg.Kafka.Brokers)
			require.NoError(t, cfg.Kafka.Validate())
			require.GreaterOrEqual(t, len(cfg.Auth.HS256Secret), 32, "the API refuses a shorter secret")
		})
	}
	for _, want := range []string{"topics", "api", "orders", "payment", "shipping", "notifications"} {
		require.True(t, seen[want], "compose runs no %s", want)
	}
}

// expand resolves compose's ${VAR:-default} to its default.
func expand(v string) string {
	if len(v) > 4 && v[:2] == "${" && v[len(v)-1] == '}' {
		for i := 2; i+1 < len(v); i++ {
			if v[i] == ':' && v[i+1] == '-' {
				return v[i+2 : len(v)-1]
			}
		}
	}
	return v
}
