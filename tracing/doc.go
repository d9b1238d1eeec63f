// Package tracing follows each order through the pipeline as one trace.
// W3C trace context (traceparent, tracestate) travels from the HTTP request
// in Kafka record headers through every stage to the NATS message that tells
// the customer; each stage records its part as OpenTelemetry spans.
//
// Tracing is off unless cmd/ builds a TracerProvider: a nil *Tracer does
// nothing and costs a nil check, and no header is read or written.
//
// A record that carries no trace context (an order placed by a plain Kafka
// client) starts its order's trace where a stage first sees it. Its trace id
// is derived from the order id (OrderIDs), so that every group reading the
// record, and the same group reading it again after a crash, joins the same
// trace instead of starting one each.
package tracing
