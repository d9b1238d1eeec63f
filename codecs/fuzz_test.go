package codecs_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/internal/ordertest"
	"orderflow/order"
)

// fuzzCodec feeds arbitrary bytes to a codec: it must never panic, must
// report every failure as one of the typed errors, must accept exactly what
// encoding/json accepts, as encoding/json reads it, and whatever it accepts
// must be valid and encode again to something it decodes the same way.
func fuzzCodec[T codecs.Schema](f *testing.F, seeds ...any) {
	for _, s := range seeds {
		f.Add(ordertest.Bytes(s))
	}
	for _, s := range []string{"", "{", "null", "[]", `{"v":1}`, `{"v":2}`, `{"v":null}`, `{"v":1e400}`, "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c codecs.JSON[T]
		v, err := c.Decode(data)
		var std T
		stdOK := json.Unmarshal(data, &std) == nil && std.Validate() == nil
		require.Equal(t, stdOK, err == nil, "accepted exactly when encoding/json accepts it (%v)", err)
		if stdOK {
			require.Equal(t, std, v, "as encoding/json reads it")
		}
		if err != nil {
			require.True(t, errors.Is(err, codecs.ErrMalformed) || errors.Is(err, codecs.ErrUnknownVersion) || errors.Is(err, codecs.ErrInvalid), "untyped error %v", err)
			return
		}
		rec := v.(T)
		require.NoError(t, rec.Validate())
		again, err := c.Encode(rec)
		require.NoError(t, err)
		back, err := c.Decode(again)
		require.NoError(t, err)
		require.Equal(t, rec, back)
	})
}

func FuzzOrderPlaced(f *testing.F) {
	fuzzCodec[events.OrderPlaced](f, ordertest.Placed("o1", "c1", "tok_visa"))
}

func FuzzCancelRequested(f *testing.F) {
	fuzzCodec[events.CancelRequested](f, events.CancelRequested{V: 1, OrderID: "o1", CustomerID: "c1", At: ordertest.Epoch})
}

func FuzzPaymentSettled(f *testing.F) {
	o := ordertest.Order("o1", "c1")
	fuzzCodec[events.PaymentSettled](f,
		events.PaymentSettled{V: 1, Order: o, Status: order.Paid, Payment: &order.Payment{ChargeID: "ch", AmountCents: 1, Currency: "EUR"}, At: ordertest.Epoch},
		events.PaymentSettled{V: 1, Order: o, Status: order.PaymentFailed, Reason: "declined", At: ordertest.Epoch})
}

func FuzzShipmentSettled(f *testing.F) {
	o := ordertest.Order("o1", "c1")
	fuzzCodec[events.ShipmentSettled](f,
		events.ShipmentSettled{V: 1, Order: o, Status: order.Shipped, Payment: &order.Payment{ChargeID: "ch"}, Shipment: &order.Shipment{Carrier: "c", TrackingNumber: "t"}, At: ordertest.Epoch})
}

func FuzzCustomerNotified(f *testing.F) {
	fuzzCodec[events.CustomerNotified](f, events.CustomerNotified{V: 1, OrderID: "o1", CustomerID: "c1", Status: order.Shipped, Subject: "s", At: ordertest.Epoch})
}
