package metrics

import "github.com/prometheus/client_golang/prometheus"

// NewViewSkipped registers and returns the count of orders table records the
// API's view could not decode. It should stay at zero: the table is ours.
func NewViewSkipped(reg prometheus.Registerer) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "orderflow_view_records_skipped_total",
		Help: "Orders table records the API's view could not decode and left out.",
	})
	reg.MustRegister(c)
	return c
}
