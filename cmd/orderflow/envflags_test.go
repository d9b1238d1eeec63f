package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// secretValues are the variables whose values must never be shown.
var secretValues = map[string]string{
	"AUTH_HS256_SECRET":   "hs256-secret-0123456789abcdef0123456789",
	"NATS_PASSWORD":       "nats-password-value",
	"KAFKA_SASL_PASSWORD": "sasl-password-value",
	"ORDERFLOW_TOKEN":     "customer-token-value",
	"NATS_CALLOUT_SEED":   "callout-seed-value",
}

// recordingEnv serves the secrets and records every variable asked for.
func recordingEnv() (getenv func(string) string, asked map[string]bool) {
	asked = map[string]bool{}
	return func(k string) string { asked[k] = true; return secretValues[k] }, asked
}

func TestEveryVariableIsListedAndLogged(t *testing.T) {
	var help bytes.Buffer
	getenv, _ := recordingEnv()
	require.NoError(t, run(context.Background(), []string{"help"}, getenv, &help, io.Discard))

	t.Run("every variable of the services is in help and in the start-up line", func(t *testing.T) {
		getenv, asked := recordingEnv()
		c, err := parseConfig("all", nil, getenv, io.Discard)
		require.NoError(t, err)
		for _, k := range []string{"RATE_LIMIT", "RATE_BURST", "AUTH_ISSUER", "AUTH_AUDIENCE", "NATS_PORT", "LOG_FORMAT", "LOG_LEVEL", "AUTH_HS256_SECRET", "NATS_PASSWORD", "KAFKA_SASL_PASSWORD"} {
			require.True(t, asked[k], "the services do not read %s", k)
		}
		attrs := attrMap(c.logAttrs())
		for k := range asked {
			require.Contains(t, help.String(), "["+k+"]", "help")
			require.Contains(t, attrs, strings.ToLower(k), "start-up line")
		}
	})

	t.Run("every variable of the tools is in help", func(t *testing.T) {
		getenv, asked := recordingEnv()
		tokenFlags(new(tokenConfig), getenv, io.Discard)
		watchFlags(new(watchConfig), getenv, io.Discard)
		dlqFlags(new(dlqConfig), getenv, io.Discard)
		healthcheckFlags(new(healthcheckConfig), getenv, io.Discard)
		require.True(t, asked["ORDERFLOW_TOKEN"])
		for k := range asked {
			require.Contains(t, help.String(), "["+k+"]")
		}
	})

	t.Run("secretValues are masked in help and in the start-up line", func(t *testing.T) {
		getenv, _ := recordingEnv()
		c, err := parseConfig("all", nil, getenv, io.Discard)
		require.NoError(t, err)
		attrs := attrMap(c.logAttrs())
		for k, v := range secretValues {
			require.NotContains(t, help.String(), v, "help shows %s", k)
			require.NotContains(t, fmt.Sprint(c.logAttrs()...), v, "the start-up line shows %s", k)
			if k != "ORDERFLOW_TOKEN" {
				require.Equal(t, "*****", attrs[strings.ToLower(k)], "%s is set, and masked", k)
			}
		}
	})
}

// A URL's password never reaches the start-up line, wherever the URL is set.
func TestURLPasswordsAreNotShown(t *testing.T) {
	env := map[string]string{
		"NATS_URL":                    "nats://svc:hunter2-nats@127.0.0.1:4222",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "https://tracer:hunter2-otel@collector:4318",
	}
	c, err := parseConfig("all", nil, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	line := fmt.Sprint(c.logAttrs()...)
	require.NotContains(t, line, "hunter2")
	require.Contains(t, line, "nats://svc:xxxxx@127.0.0.1:4222", "the rest of the URL is shown")
}
