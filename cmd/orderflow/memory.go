package main

import "runtime/debug"

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set. The local table copies (LevelDB is Go, so its caches and write
// buffers are Go heap) and Kafka's fetch buffers make a service's memory
// swing with load; near the limit the collector works harder instead of
// letting the heap double, so that a service stays within what an operator
// planned (256 MiB resident; the runtime's own memory comes on top of the
// limit). GOMEMLIMIT sets another limit, or off.
const defaultMemoryLimit = 224 << 20

func limitMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
