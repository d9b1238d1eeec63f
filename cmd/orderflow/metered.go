package main

import (
	"context"
	"errors"
	"time"

	"orderflow/gateway"
	"orderflow/metrics"
	"orderflow/notify"
	"orderflow/processors/notifications"
	"orderflow/processors/payment"
)

// meteredGateway times every call to the payment gateway.
type meteredGateway struct {
	gw    payment.Gateway
	calls *metrics.Calls
}

func (m meteredGateway) Charge(ctx context.Context, req gateway.ChargeRequest) (gateway.Charge, error) {
	start := time.Now()
	c, err := m.gw.Charge(ctx, req)
	m.calls.Observe("charge", outcome(err), start)
	return c, err
}

func (m meteredGateway) Refund(ctx context.Context, req gateway.RefundRequest) error {
	start := time.Now()
	err := m.gw.Refund(ctx, req)
	m.calls.Observe("refund", outcome(err), start)
	return err
}

// meteredNotifier times every publish to NATS.
type meteredNotifier struct {
	n     notifications.Notifier
	calls *metrics.Calls
}

func (m meteredNotifier) Notify(ctx context.Context, msg notify.Message) error {
	start := time.Now()
	err := m.n.Notify(ctx, msg)
	m.calls.Observe("notify", outcome(err), start)
	return err
}

// outcome sorts a call's error as the stages do: the gateway unavailable or
// a timeout may pass (a declined charge is an answer, not an error). Every
// NATS error is retried, but only a timeout is labelled as one that may pass.
func outcome(err error) string {
	switch {
	case err == nil:
		return metrics.OutcomeOK
	case errors.Is(err, gateway.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return metrics.OutcomeUnavailable
	}
	return metrics.OutcomeFailed
}
