package main

import "testing"

func TestAllHasTheMemoryOfTheServicesItRuns(t *testing.T) {
	for command, want := range map[string]int64{
		"payment": 224 << 20,
		"api":     224 << 20,
		"all":     5 * 224 << 20,
	} {
		if got := memoryLimit(command); got != want {
			t.Errorf("memoryLimit(%q) = %d MiB, want %d MiB", command, got>>20, want>>20)
		}
	}
}
