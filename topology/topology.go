// Package topology declares, once, the name of every Kafka topic, processor
// group and group table of orderflow. topology.md says the same for people;
// renaming anything here renames a topic or a consumer group in production,
// so never do it casually.
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
)

// Processor groups, one per stage; each group's table holds its state.
const (
	PaymentGroup       goka.Group = "payment"
	ShippingGroup      goka.Group = "shipping"
	NotificationsGroup goka.Group = "notifications"
	OrdersGroup        goka.Group = "orders"
)

// Group tables: the compacted topics that are orderflow's database.
var (
	PaymentTable       = goka.GroupTable(PaymentGroup)
	ShippingTable      = goka.GroupTable(ShippingGroup)
	NotificationsTable = goka.GroupTable(NotificationsGroup)
	OrdersTable        = goka.GroupTable(OrdersGroup)
)

// Streams lists every stream topic, for creating them up front.
func Streams() []goka.Stream {
	return []goka.Stream{NewOrders, OrderCancellations, PayedOrders, SentOrders, NotifiedOrders, DeadLetters}
}

// Tables lists every group table, for creating them compacted up front.
func Tables() []goka.Table {
	return []goka.Table{PaymentTable, ShippingTable, NotificationsTable, OrdersTable}
}
