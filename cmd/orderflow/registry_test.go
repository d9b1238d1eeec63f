package main

import (
	"io"
	"testing"
)

// variables is the envflags registry of a command: every environment
// variable it reads, and whether it is a secret. It is what the image and
// the compose file are checked against, so that neither can set a variable
// the binary would silently ignore.
func variables(t *testing.T, command string) map[string]bool {
	t.Helper()
	none := func(string) string { return "" }
	var f *envFlags
	switch command {
	case "token":
		f = tokenFlags(new(tokenConfig), none, io.Discard)
	case "watch":
		f = watchFlags(new(watchConfig), none, io.Discard)
	case "dlq":
		f = dlqFlags(new(dlqConfig), none, io.Discard)
	case "healthcheck":
		f = healthcheckFlags(new(healthcheckConfig), none, io.Discard)
	default:
		if _, ok := commands[command]; !ok {
			t.Fatalf("no command %q", command)
		}
		f = serviceFlags(new(Config), command, none, io.Discard)
	}
	vars := map[string]bool{}
	for flag, env := range f.env {
		vars[env] = f.secrets[flag]
	}
	return vars
}
