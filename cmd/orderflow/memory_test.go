package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestAllHasTheMemoryOfTheServicesItRuns(t *testing.T) {
	for command, want := range map[string]int64{
		"payment": 224 << 20,
		"api":     224 << 20,
		"all":     1120 << 20,
	} {
		if got := memoryLimit(command); got != want {
			t.Errorf("memoryLimit(%q) = %d MiB, want %d MiB", command, got>>20, want>>20)
		}
	}
}

// The limit is the runtime's, so this test sets it and puts it back.
func TestGOMEMLIMITOverridesTheDefault(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	env := func(gomemlimit string) func(string) string {
		return func(k string) string {
			if k == "GOMEMLIMIT" {
				return gomemlimit
			}
			return ""
		}
	}

	debug.SetMemoryLimit(math.MaxInt64)
	limitMemory(env(""), []string{"all", "-http-addr", ":0"})
	if got := debug.SetMemoryLimit(-1); got != 1120<<20 {
		t.Errorf("all without GOMEMLIMIT: limit %d MiB, want 1120 MiB", got>>20)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	limitMemory(env("off"), []string{"all"})
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set the binary changed the limit to %d MiB", got>>20)
	}
}
