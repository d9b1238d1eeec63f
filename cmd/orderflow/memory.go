package main

import "runtime/debug"

// serviceMemoryLimit is the Go runtime's soft memory limit for one service
// when GOMEMLIMIT is not set. The local table copies (LevelDB is Go, so its
// caches and write buffers are Go heap) and Kafka's fetch buffers make a
// service's memory swing with load; near the limit the collector works
// harder instead of letting the heap double, so that a service stays within
// what an operator planned (256 MiB resident; the runtime's own memory comes
// on top of the limit). GOMEMLIMIT sets another limit, or off.
const serviceMemoryLimit = 224 << 20

// servicesInAll is how many services `orderflow all` runs in its one
// process: the API and the orders, payment, shipping and notifications
// groups, each with its own table copies (the embedded NATS server and the
// simulated gateway are small beside them). Held to one service's limit,
// its thirty LevelDB databases (at six partitions) kept the live heap near
// the limit under load, and the collector ran up to thirty times a second.
const servicesInAll = 5

// limitMemory sets the soft memory limit for the command in args (the
// program's arguments, without its name), unless GOMEMLIMIT says otherwise.
func limitMemory(getenv func(string) string, args []string) {
	if getenv("GOMEMLIMIT") != "" || len(args) == 0 {
		return
	}
	debug.SetMemoryLimit(memoryLimit(args[0]))
}

// memoryLimit is the default limit for a command: the sum of the services it
// runs.
func memoryLimit(command string) int64 {
	if command == "all" {
		return servicesInAll * serviceMemoryLimit
	}
	return serviceMemoryLimit
}
