// Package notify tells customers about their orders through NATS JetStream.
// Each customer has a subject of their own, orders.notifications.<customer>,
// and each message carries the order id as its JetStream message id, so a
// notification published again after a crash is dropped by the server as a
// duplicate: the customer, even one who was offline, gets each exactly once.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"orderflow/order"
	"orderflow/tracing"
)

// The JetStream stream that keeps notifications for customers who are
// offline.
const (
	StreamName    = "ORDER_NOTIFICATIONS"
	SubjectPrefix = "orders.notifications."
	// DuplicateWindow is how long JetStream remembers message ids. A
	// notification re-published within it is dropped; it is far longer than
	// a processor takes to restart.
	DuplicateWindow = 24 * time.Hour
	maxAge          = 7 * 24 * time.Hour
)

// Subject is the subject a customer's notifications are published on.
// Customer ids hold no '.', '*' or '>' (order.CheckID), so the id is one
// subject token.
func Subject(customerID string) string { return SubjectPrefix + customerID }

// Message is what a customer receives.
type Message struct {
	OrderID        string       `json:"order_id"`
	CustomerID     string       `json:"customer_id"`
	Status         order.Status `json:"status"`
	Text           string       `json:"text"`
	TrackingNumber string       `json:"tracking_number,omitempty"`
	At             time.Time    `json:"at"`
}

// MsgID is the JetStream message id of an order's notification.
func MsgID(orderID string) string { return "order-" + orderID }

// Publisher publishes notifications to JetStream.
type Publisher struct {
	js     jetstream.JetStream
	tracer *tracing.Tracer
}

// NewPublisher makes sure the notification stream exists and returns a
// publisher on nc. tracer makes each publish a span whose trace context the
// message carries in its headers, for whoever reads it; nil is tracing off.
func NewPublisher(ctx context.Context, nc *nats.Conn, tracer *tracing.Tracer) (*Publisher, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("opening jetstream: %w", err)
	}
	if _, err := EnsureStream(ctx, js); err != nil {
		return nil, err
	}
	return &Publisher{js: js, tracer: tracer}, nil
}

// EnsureStream creates or updates the notification stream.
func EnsureStream(ctx context.Context, js jetstream.JetStream) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "orderflow notifications to customers, one subject per customer",
		Subjects:    []string{SubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Duplicates:  DuplicateWindow,
		MaxAge:      maxAge,
	})
	if err != nil {
		return nil, fmt.Errorf("creating stream %s: %w", StreamName, err)
	}
	return s, nil
}

// Notify publishes m and waits until JetStream has stored it (or recognised
// it as a duplicate).
func (p *Publisher) Notify(ctx context.Context, m Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding notification: %w", err)
	}
	msg := &nats.Msg{Subject: Subject(m.CustomerID), Data: data}
	if p.tracer == nil {
		return p.publish(ctx, msg, m)
	}
	ctx, span := p.startSpan(ctx, m)
	defer span.End()
	msg.Header = nats.Header{}
	tracing.InjectInto(ctx, headerCarrier(msg.Header))
	err = p.publish(ctx, msg, m)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}

func (p *Publisher) publish(ctx context.Context, msg *nats.Msg, m Message) error {
	if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(MsgID(m.OrderID))); err != nil {
		return fmt.Errorf("publishing notification: %w", err)
	}
	return nil
}

// startSpan starts the span of publishing m.
func (p *Publisher) startSpan(ctx context.Context, m Message) (context.Context, trace.Span) {
	return p.tracer.Start(ctx, "publish "+strings.TrimSuffix(SubjectPrefix, "."), trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(
		tracing.OrderID.String(m.OrderID),
		attribute.String("messaging.system", "nats"),
		attribute.String("messaging.operation.type", "send"),
		attribute.String("messaging.destination.name", Subject(m.CustomerID)),
		attribute.String("messaging.message.id", MsgID(m.OrderID)),
	))
}

// headerCarrier is NATS headers as the propagator writes them; unlike
// http.Header, nats.Header keeps the keys as written (W3C's lower case).
type headerCarrier nats.Header

func (c headerCarrier) Get(key string) string { return nats.Header(c).Get(key) }

func (c headerCarrier) Set(key, value string) { nats.Header(c).Set(key, value) }

func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
