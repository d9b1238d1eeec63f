// Package metrics defines orderflow's Prometheus metrics. Each process builds
// its own registry and hands the parts to the components that count; there is
// no global registry.
//
// Every label combination a counter can take is created at zero when the
// counter is made: a series that first appears at its first increment is
// missed by rate() and increase(), so a dashboard would read 0 on a first
// burst of errors.
//
// The pipeline's figures are counted by the orders group, which reads every
// topic of the pipeline anyway: each record is counted once, by the instance
// that owns its partition, and Prometheus sums the instances.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
