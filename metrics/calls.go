package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The outcomes of a call to the outside world, as the latency histograms
// label them.
const (
	OutcomeOK          = "ok"
	OutcomeUnavailable = "unavailable" // may pass: retried later
	OutcomeFailed      = "failed"      // for good
)

var outcomes = []string{OutcomeOK, OutcomeUnavailable, OutcomeFailed}

// callBuckets span a fast local call to a payment provider's slow answer and
// the calls' timeouts.
var callBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Calls is the latency of one kind of call to the outside world, by action
// and outcome.
type Calls struct{ Seconds *prometheus.HistogramVec }

// NewGatewayCalls registers the latency of payment gateway calls, one
// series per action (charge, refund) and outcome.
func NewGatewayCalls(reg prometheus.Registerer, actions []string) *Calls {
	return newCalls(reg, "orderflow_gateway_call_seconds", "Payment gateway calls by action and outcome.", actions)
}

// NewNATSPublishes registers the latency of notifications published to
// NATS JetStream (until the stream acknowledged them), by outcome.
func NewNATSPublishes(reg prometheus.Registerer) *Calls {
	return newCalls(reg, "orderflow_nats_publish_seconds", "Notifications published to NATS JetStream, until acknowledged, by outcome.", []string{"notify"})
}

func newCalls(reg prometheus.Registerer, name, help string, actions []string) *Calls {
	c := &Calls{Seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: name, Help: help, Buckets: callBuckets,
	}, []string{"action", "outcome"})}
	reg.MustRegister(c.Seconds)
	for _, a := range actions {
		for _, o := range outcomes {
			c.Seconds.WithLabelValues(a, o)
		}
	}
	return c
}

// Observe records one call that started at start.
func (c *Calls) Observe(action, outcome string, start time.Time) {
	c.Seconds.WithLabelValues(action, outcome).Observe(time.Since(start).Seconds())
}

// Retries counts the retries the scheduler receives, by the group that
// asked and the action to try again.
type Retries struct{ Scheduled *prometheus.CounterVec }

// NewRetries registers the retry count with reg; actions names, per group
// that retries, what it retries.
func NewRetries(reg prometheus.Registerer, actions map[string][]string) *Retries {
	r := &Retries{Scheduled: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orderflow_retries_total",
		Help: "Retries of calls to the outside world received by the scheduler, by group and action.",
	}, []string{"group", "action"})}
	reg.MustRegister(r.Scheduled)
	for g, as := range actions {
		for _, a := range as {
			r.Scheduled.WithLabelValues(g, a)
		}
	}
	return r
}

// Retry counts one retry; it does nothing on a nil Retries.
func (r *Retries) Retry(group, action string) {
	if r != nil {
		r.Scheduled.WithLabelValues(group, action).Inc()
	}
}
