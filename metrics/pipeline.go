package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderflow/order"
	"orderflow/topology"
)

// Pipeline counts what happens to orders.
type Pipeline struct {
	// Events counts stage reports by topic and status.
	Events *prometheus.CounterVec
	// Terminal counts orders reaching a terminal status.
	Terminal *prometheus.CounterVec
	// EndToEnd is the time from an order's creation to its customer being
	// told, by outcome.
	EndToEnd *prometheus.HistogramVec
	// DeadLetters counts records set aside, by the topic they came from,
	// the group that set them aside and why (intake.Reasons).
	DeadLetters *prometheus.CounterVec
}

// NewPipeline registers the pipeline metrics with reg. inputs names, per
// group, the topics it reads: the dead letters it may set aside, each for
// any of reasons.
func NewPipeline(reg prometheus.Registerer, inputs map[string][]string, reasons []string) *Pipeline {
	p := &Pipeline{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_stage_events_total",
			Help: "Stage reports seen by the orders group, by topic and order status.",
		}, []string{"topic", "status"}),
		Terminal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_orders_terminal_total",
			Help: "Orders that reached a terminal status (notified, payment_failed, cancelled).",
		}, []string{"status"}),
		EndToEnd: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "orderflow_order_end_to_end_seconds",
			Help:    "Time from an order's creation to its customer being notified, by outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"status"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_dead_letters_total",
			Help: "Records set aside in dead_letters, by source topic, the group that set them aside and the reason.",
		}, []string{"source_topic", "group", "reason"}),
	}
	reg.MustRegister(p.Events, p.Terminal, p.EndToEnd, p.DeadLetters)
	p.zero(inputs, reasons)
	return p
}

// zero creates every label combination the pipeline can count.
func (p *Pipeline) zero(inputs map[string][]string, reasons []string) {
	reports := map[string][]order.Status{
		string(topology.NewOrders):      {order.Created},
		string(topology.PayedOrders):    order.PaymentOutcomes(),
		string(topology.SentOrders):     order.ShipmentOutcomes(),
		string(topology.NotifiedOrders): order.ShipmentOutcomes(),
	}
	for topic, statuses := range reports {
		for _, s := range statuses {
			p.Events.WithLabelValues(topic, string(s))
			if s.Terminal() || order.Told(s).Terminal() {
				p.Terminal.WithLabelValues(string(order.Told(s)))
				p.EndToEnd.WithLabelValues(string(order.Told(s)))
			}
		}
	}
	for group, topics := range inputs {
		for _, t := range topics {
			for _, r := range reasons {
				p.DeadLetters.WithLabelValues(t, group, r)
			}
		}
	}
}

// Event counts a stage report; it does nothing on a nil Pipeline, so tests
// and tools may leave metrics out.
func (p *Pipeline) Event(topic, status string) {
	if p != nil {
		p.Events.WithLabelValues(topic, status).Inc()
	}
}

// Told counts an order whose customer was told of its end. created is the
// order's creation time, or zero when the order itself has not been seen
// yet: then only the count is kept, since the time it took is unknown.
func (p *Pipeline) Told(status string, created, told time.Time) {
	if p == nil {
		return
	}
	p.Terminal.WithLabelValues(status).Inc()
	if !created.IsZero() {
		p.EndToEnd.WithLabelValues(status).Observe(told.Sub(created).Seconds())
	}
}

// DeadLetter counts a dead letter.
func (p *Pipeline) DeadLetter(sourceTopic, group, reason string) {
	if p != nil {
		p.DeadLetters.WithLabelValues(sourceTopic, group, reason).Inc()
	}
}
