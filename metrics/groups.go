package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Groups shows how the Kafka consumer groups of one process fare: the
// partition assignments its processors receive, how many partitions each
// owns, and how far each group is behind on every partition it reads.
type Groups struct {
	// Rebalances counts the partition assignments this process's processor
	// of a group received: one when it starts, one more per rebalance.
	Rebalances *prometheus.CounterVec
	// Assigned is the number of partitions the processor owns now.
	Assigned *prometheus.GaugeVec
	// Lag is, per group, topic and partition, the records written that the
	// group has not committed yet, whoever owns the partition: a partition
	// whose owner died shows here while no one else reports it.
	Lag *prometheus.GaugeVec
	// LagErrors counts lag readings that failed (Kafka unreachable); the
	// lag keeps its last value meanwhile.
	LagErrors prometheus.Counter
}

// NewGroups registers the consumer group metrics with reg.
func NewGroups(reg prometheus.Registerer) *Groups {
	g := &Groups{
		Rebalances: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_group_rebalances_total",
			Help: "Partition assignments received by this process's processor of the group: one at start, one per rebalance.",
		}, []string{"group"}),
		Assigned: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "orderflow_group_partitions_assigned",
			Help: "Partitions this process's processor of the group owns.",
		}, []string{"group"}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "orderflow_consumer_lag",
			Help: "Records on the partition the group has not committed yet (end offset minus committed offset).",
		}, []string{"group", "topic", "partition"}),
		LagErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderflow_consumer_lag_errors_total",
			Help: "Readings of the consumer lag that failed; the lag keeps its last value meanwhile.",
		}),
	}
	reg.MustRegister(g.Rebalances, g.Assigned, g.Lag, g.LagErrors)
	return g
}

// Start creates the series of a group whose processor starts in this
// process, at zero.
func (g *Groups) Start(group string) {
	g.Rebalances.WithLabelValues(group)
	g.Assigned.WithLabelValues(group)
}

// Rebalanced records a new assignment of partitions to the group's
// processor.
func (g *Groups) Rebalanced(group string, partitions int) {
	g.Rebalances.WithLabelValues(group).Inc()
	g.Assigned.WithLabelValues(group).Set(float64(partitions))
}

// Stopped records that the group's processor owns nothing any more.
func (g *Groups) Stopped(group string) {
	g.Assigned.WithLabelValues(group).Set(0)
}

// SetLag records the lag of group on one partition of topic.
func (g *Groups) SetLag(group, topic string, partition int32, lag int64) {
	g.Lag.WithLabelValues(group, topic, strconv.Itoa(int(partition))).Set(float64(lag))
}
