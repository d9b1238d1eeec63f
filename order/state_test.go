package order

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStateApply(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(s Status, sec int) Change { return Change{Status: s, At: t0.Add(time.Duration(sec) * time.Second)} }
	tests := []struct {
		name    string
		changes []Change
		want    []Status
		wantErr bool
	}{
		{"a happy order ends notified", []Change{at(Created, 0), at(Paid, 1), at(Shipped, 2), at(Notified, 3)}, []Status{Created, Paid, Shipped, Notified}, false},
		{"reports that arrive out of order still form the life in order", []Change{at(Shipped, 2), at(Created, 0), at(Notified, 3), at(Paid, 1)}, []Status{Created, Paid, Shipped, Notified}, false},
		{"a repeated report is ignored", []Change{at(Created, 0), at(Paid, 1), at(Paid, 5)}, []Status{Created, Paid}, false},
		{"a declined order ends payment_failed", []Change{at(Created, 0), at(PaymentFailed, 1)}, []Status{Created, PaymentFailed}, false},
		{"an order cancelled before payment ends cancelled", []Change{at(Created, 0), at(Cancelled, 1)}, []Status{Created, Cancelled}, false},
		{"an order cancelled after payment ends cancelled", []Change{at(Created, 0), at(Paid, 1), at(Cancelled, 2)}, []Status{Created, Paid, Cancelled}, false},
		{"a shipped order cannot also be cancelled", []Change{at(Created, 0), at(Paid, 1), at(Shipped, 2), at(Cancelled, 3)}, []Status{Created, Paid, Shipped}, true},
		{"a declined order cannot ship", []Change{at(Created, 0), at(PaymentFailed, 1), at(Shipped, 2)}, []Status{Created, PaymentFailed}, true},
		{"a declined order cannot also be paid", []Change{at(Created, 0), at(PaymentFailed, 1), at(Paid, 2)}, []Status{Created, PaymentFailed}, true},
		{"a cancelled order is not notified as delivered", []Change{at(Created, 0), at(Cancelled, 1), at(Notified, 2)}, []Status{Created, Cancelled}, true},
		{"a declined order is not notified as delivered, even with a gap", []Change{at(Created, 0), at(PaymentFailed, 1), at(Notified, 3)}, []Status{Created, PaymentFailed}, true},
		{"a gap that a later report fills is accepted", []Change{at(Created, 0), at(Notified, 3)}, []Status{Created, Notified}, false},
		{"an unknown status is refused", []Change{at(Created, 0), at("lost", 1)}, []Status{Created}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s State
			var err error
			for _, c := range tt.changes {
				if e := s.Apply(c); e != nil {
					err = e
				}
			}
			if tt.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			var got []Status
			for _, h := range s.History {
				got = append(got, h.Status)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.want[len(tt.want)-1], s.Status)
		})
	}
}
