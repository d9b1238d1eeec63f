// Package topology declares, once, the name of every Kafka topic, processor
// group and group table of orderflow, and who owns which. topology.md says
// the same for people; renaming anything here renames a topic or a consumer
// group in production, so never do it casually.
//
// Every topic is keyed by order id and has the same number of partitions, so
// that all records of one order meet in the same partition of every group.
package topology

import "github.com/lovoo/goka"

// Streams: the contract between the stages. new_orders, payed_orders and
// sent_orders are names other systems depend on.
const (
	NewOrders          goka.Stream = "new_orders"
	OrderCancellations goka.Stream = "order_cancellations"
	PayedOrders        goka.Stream = "payed_orders"
	SentOrders         goka.Stream = "sent_orders"
	NotifiedOrders     goka.Stream = "notified_orders"
	DeadLetters        goka.Stream = "dead_letters"
	// Retries holds calls to the outside world that failed and are due
	// again later; the scheduler group hands each back to its stage.
	Retries goka.Stream = "retries"
)

// Processor groups, one per stage; each group's table holds its state.
const (
	PaymentGroup       goka.Group = "payment"
	ShippingGroup      goka.Group = "shipping"
	NotificationsGroup goka.Group = "notifications"
	OrdersGroup        goka.Group = "orders"
	// SchedulerGroup waits for retries to fall due. It keeps no table.
	SchedulerGroup goka.Group = "scheduler"
)

// Group tables: the compacted topics that are orderflow's database.
var (
	PaymentTable       = goka.GroupTable(PaymentGroup)
	ShippingTable      = goka.GroupTable(ShippingGroup)
	NotificationsTable = goka.GroupTable(NotificationsGroup)
	OrdersTable        = goka.GroupTable(OrdersGroup)
)

// Loop is the loopback topic of group g, named as goka names it: the
// scheduler writes due retries there, and only g reads it.
func Loop(g goka.Group) goka.Stream { return goka.Stream(string(g) + "-loop") }

// Retrying lists the groups that retry calls to the outside world through
// the scheduler, and so have a loopback topic.
func Retrying() []goka.Group { return []goka.Group{PaymentGroup, NotificationsGroup} }

// Streams lists every stream topic, loopbacks included, for creating them
// up front.
func Streams() []goka.Stream {
	s := []goka.Stream{NewOrders, OrderCancellations, PayedOrders, SentOrders, NotifiedOrders, DeadLetters, Retries}
	for _, g := range Retrying() {
		s = append(s, Loop(g))
	}
	return s
}

// Tables lists every group table, for creating them compacted up front.
func Tables() []goka.Table {
	return []goka.Table{PaymentTable, ShippingTable, NotificationsTable, OrdersTable}
}

// Router names the group that moves a record of stream s found on the wrong
// partition to the right one: the first stage to read s. Every other reader
// skips such a record and reads the moved copy. A stream with no router
// (dead letters) is not checked: where a dead letter lands does not matter.
func Router(s goka.Stream) (goka.Group, bool) {
	switch s {
	case NewOrders, OrderCancellations:
		return PaymentGroup, true
	case PayedOrders:
		return ShippingGroup, true
	case SentOrders:
		return NotificationsGroup, true
	case NotifiedOrders:
		return OrdersGroup, true
	case Retries:
		return SchedulerGroup, true
	}
	return "", false
}
