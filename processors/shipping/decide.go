package shipping

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/order"
)

// decide is the whole of shipping's business, pure: a paid order ships, or is
// cancelled if its customer asked first (and its payment is carried on, so
// that the payment stage refunds it); any other outcome passes on unchanged.
func decide(e Entry, p events.PaymentSettled, now time.Time) (Entry, events.ShipmentSettled) {
	out := events.ShipmentSettled{V: codecs.Version, Order: p.Order, Status: p.Status, Payment: p.Payment, Reason: p.Reason, At: now.UTC()}
	switch {
	case p.Status == order.Paid && e.CancelRequested:
		out.Status, out.Reason = order.Cancelled, "cancelled by the customer before shipping; the payment will be refunded"
	case p.Status == order.Paid:
		out.Status, out.Shipment, out.Reason = order.Shipped, ship(p.Order), ""
	}
	e.V, e.Settled = codecs.Version, &out
	return e, out
}

// check holds an outcome to the order's state machine: a move out of paid,
// or the payment's own end passed on.
func check(in events.PaymentSettled, out events.ShipmentSettled) error {
	if in.Status == order.Paid {
		return order.CheckTransition(order.Paid, out.Status)
	}
	if out.Status != in.Status || !out.Status.Terminal() {
		return &order.ErrTransition{From: in.Status, To: out.Status}
	}
	return nil
}

// decideCancel takes a cancel while the order has not been settled here, and
// reports whether it did.
func decideCancel(e Entry) (Entry, bool) {
	taken := e.Settled == nil && !e.CancelRequested
	if taken {
		e.V, e.CancelRequested = codecs.Version, true
	}
	return e, taken
}

// ship packs and hands an order to the (simulated) carrier. The tracking
// number is derived from the order id, so shipping the same order again
// names the same parcel.
func ship(o order.Order) *order.Shipment {
	sum := sha256.Sum256([]byte(o.ID))
	return &order.Shipment{Carrier: "simulated-post", TrackingNumber: "SP" + strings.ToUpper(hex.EncodeToString(sum[:6]))}
}
