package notifications

import (
	"fmt"
	"time"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/notify"
	"orderflow/order"
)

// decide turns one delivery into the entry and the record that says the
// customer was told, pure. A failed delivery counts an attempt and returns no
// record; an outcome the customer cannot be told of (one that is not an end)
// returns an error instead.
func decide(e Entry, sh events.ShipmentSettled, m notify.Message, err error) (Entry, *events.CustomerNotified, error) {
	if !order.Told(sh.Status).Terminal() {
		return e, nil, &order.ErrTransition{From: sh.Status, To: order.Told(sh.Status)}
	}
	if err != nil {
		e.Attempts++
		return e, nil, err
	}
	n := events.CustomerNotified{
		V: codecs.Version, OrderID: sh.Order.ID, CustomerID: sh.Order.CustomerID,
		Status: sh.Status, Subject: notify.Subject(sh.Order.CustomerID), At: m.At,
	}
	e.V, e.Notified, e.Retry = codecs.Version, &n, nil
	return e, &n, nil
}

// message is what the customer reads about an order's outcome. Its status
// is the one the API shows once the customer is told (a shipped order is
// "notified"), so the two never disagree.
func message(sh events.ShipmentSettled, at time.Time) notify.Message {
	m := notify.Message{OrderID: sh.Order.ID, CustomerID: sh.Order.CustomerID, Status: order.Told(sh.Status), At: at}
	switch sh.Status {
	case order.Shipped:
		m.TrackingNumber = sh.Shipment.TrackingNumber
		m.Text = fmt.Sprintf("Your order %s is on its way with %s, tracking number %s.", sh.Order.ID, sh.Shipment.Carrier, sh.Shipment.TrackingNumber)
	case order.PaymentFailed:
		m.Text = fmt.Sprintf("We could not take payment for your order %s: %s.", sh.Order.ID, sh.Reason)
	case order.Cancelled:
		m.Text = fmt.Sprintf("Your order %s is cancelled.", sh.Order.ID)
		if sh.RefundDue() {
			m.Text += " Your payment will be refunded."
		}
	default:
		// decide refuses to record such an outcome; the text only says what
		// the record says.
		m.Text = fmt.Sprintf("Your order %s is %s.", sh.Order.ID, sh.Status)
	}
	return m
}
