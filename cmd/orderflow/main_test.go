package main

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

var errClosedOutput = errors.New("output closed")

// closedOutput is a stdout or stderr nobody reads any more.
type closedOutput struct{}

func (closedOutput) Write([]byte) (int, error) { return 0, errClosedOutput }

func TestOutputThatCannotBeWrittenFailsTheCommand(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"AUTH_HS256_SECRET": "dev-secret-change-me-0123456789abcdef"}[k]
	}
	tests := []struct {
		name           string
		args           []string
		stdout, stderr io.Writer
	}{
		{"help on stdout", []string{"help"}, closedOutput{}, io.Discard},
		{"usage on stderr, with the unknown command", []string{"nope"}, io.Discard, closedOutput{}},
		{"a token on stdout", []string{"token", "--customer", "alice"}, closedOutput{}, io.Discard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, getenv, tt.stdout, tt.stderr)
			require.ErrorIs(t, err, errClosedOutput)
		})
	}
}
