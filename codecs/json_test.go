package codecs_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/internal/ordertest"
	"orderflow/order"
)

func TestRoundTrip(t *testing.T) {
	o := ordertest.Order("o1", "c1")
	pay := &order.Payment{ChargeID: "ch_1", AmountCents: o.TotalCents, Currency: "EUR"}
	at := ordertest.Epoch.Add(time.Second)
	t.Run("an order placed survives encoding", func(t *testing.T) {
		roundTrip(t, events.OrderPlaced{V: 1, Order: o, PaymentToken: "tok_visa"})
	})
	t.Run("a cancellation survives encoding", func(t *testing.T) {
		roundTrip(t, events.CancelRequested{V: 1, OrderID: "o1", CustomerID: "c1", At: at})
	})
	t.Run("a payment outcome survives encoding", func(t *testing.T) {
		roundTrip(t, events.PaymentSettled{V: 1, Order: o, Status: order.Paid, Payment: pay, At: at})
	})
	t.Run("a shipment outcome survives encoding", func(t *testing.T) {
		roundTrip(t, events.ShipmentSettled{V: 1, Order: o, Status: order.Shipped, Payment: pay, Shipment: &order.Shipment{Carrier: "c", TrackingNumber: "t"}, At: at})
	})
	t.Run("a notification record survives encoding", func(t *testing.T) {
		roundTrip(t, events.CustomerNotified{V: 1, OrderID: "o1", CustomerID: "c1", Status: order.Shipped, Subject: "s", At: at})
	})
	t.Run("an order state survives encoding", func(t *testing.T) {
		roundTrip(t, events.OrderState{V: 1, State: order.State{Order: o, Status: order.Created, History: []order.Change{{Status: order.Created, At: at}}}})
	})
}

func roundTrip[T codecs.Schema](t *testing.T, v T) {
	t.Helper()
	var c codecs.JSON[T]
	b, err := c.Encode(v)
	require.NoError(t, err)
	got, err := c.Decode(b)
	require.NoError(t, err)
	require.Equal(t, v, got)
	b2, err := c.Encode(&v)
	require.NoError(t, err, "a pointer encodes too")
	require.Equal(t, b, b2)
}

func TestEncodeRefusesWhatReadersCannotUse(t *testing.T) {
	var c codecs.JSON[events.CancelRequested]
	tests := []struct {
		name  string
		value any
	}{
		{"another record type", events.OrderPlaced{V: 1}},
		{"a nil pointer", (*events.CancelRequested)(nil)},
		{"a record without its version", events.CancelRequested{OrderID: "o1", CustomerID: "c1"}},
		{"a record that fails validation", events.CancelRequested{V: 1, OrderID: "o1"}},
		{"a string", "o1"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := c.Encode(tt.value)
			require.Error(t, err)
		})
	}
}

func TestDecodeNamesWhatIsWrong(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"invalid JSON", `{"v":1,`, codecs.ErrMalformed},
		{"an array", `[1,2]`, codecs.ErrMalformed},
		{"no version", `{"order_id":"o1"}`, codecs.ErrMalformed},
		{"a version that is not a number", `{"v":"1"}`, codecs.ErrMalformed},
		{"an unknown version", `{"v":2,"order_id":"o1","customer_id":"c1"}`, codecs.ErrUnknownVersion},
		{"a field of the wrong type", `{"v":1,"order_id":5}`, codecs.ErrMalformed},
		{"a missing field", `{"v":1,"order_id":"o1"}`, codecs.ErrInvalid},
		{"an id with a NATS wildcard", `{"v":1,"order_id":"o1","customer_id":"c.*"}`, codecs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is "+tt.want.Error(), func(t *testing.T) {
			_, err := codecs.Decode[events.CancelRequested]([]byte(tt.in))
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestRaw(t *testing.T) {
	var r codecs.Raw
	b, err := r.Encode([]byte("x"))
	require.NoError(t, err)
	require.Equal(t, []byte("x"), b)
	v, err := r.Decode([]byte("y"))
	require.NoError(t, err)
	require.Equal(t, []byte("y"), v)
	_, err = r.Encode("not bytes")
	require.Error(t, err)
}

// The typed error says which kind of failure it was; the cause underneath it
// must survive too, for whoever reads the dead letter or the log.
func TestDecodeKeepsTheCause(t *testing.T) {
	_, err := codecs.Decode[events.CancelRequested]([]byte(`{"v":1,"order_id":7}`))
	require.ErrorIs(t, err, codecs.ErrMalformed)
	var typeErr *json.UnmarshalTypeError
	require.ErrorAs(t, err, &typeErr)

	_, err = codecs.Decode[events.CancelRequested]([]byte(`{"v":1,"order_id":"o 1","customer_id":"c1"}`))
	require.ErrorIs(t, err, codecs.ErrInvalid)
	require.True(t, order.IsFieldError(err), "the field error is kept: %v", err)
}
