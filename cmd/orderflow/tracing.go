package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"orderflow/tracing"
)

// tracingConfig says whether and where spans are exported, from the
// standard OpenTelemetry variables: tracing is on when an OTLP endpoint is
// set, unless OTEL_SDK_DISABLED. The SDK and the OTLP/HTTP exporter read
// the rest themselves (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION,
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER,
// OTEL_BSP_*).
type tracingConfig struct {
	Endpoint       string // the collector's base URL; traces go to /v1/traces
	TracesEndpoint string // the full URL for traces, before Endpoint
	Disabled       bool
}

func addTracingFlags(f *envFlags, c *tracingConfig) {
	f.String(&c.Endpoint, "otel-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP/HTTP collector `URL` each order's trace is exported to (URL/v1/traces); empty: tracing off")
	f.String(&c.TracesEndpoint, "otel-traces-endpoint", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", "OTLP/HTTP `URL` of traces itself, instead of the one above")
	f.Bool(&c.Disabled, "otel-sdk-disabled", "OTEL_SDK_DISABLED", false, "no tracing, whatever the endpoint")
}

// url is where spans go, "" when tracing is off.
func (c tracingConfig) url() string {
	switch {
	case c.Disabled:
		return ""
	case c.TracesEndpoint != "":
		return c.TracesEndpoint
	case c.Endpoint != "":
		return strings.TrimSuffix(c.Endpoint, "/") + "/v1/traces"
	}
	return ""
}

// shown is the tracing setting for the start-up line.
func (c tracingConfig) shown() string {
	if c.url() == "" {
		return "off"
	}
	return redactURL(c.url())
}

// tracers gives each service of the process its own TracerProvider, so that
// its spans name it (service.name orderflow-payment, ...) even when `all`
// runs every service in one process. Each has its own exporter: the SDK
// never calls one exporter from two providers at once.
type tracers struct {
	cfg    tracingConfig
	logger *slog.Logger

	mu        sync.Mutex
	providers map[string]*sdktrace.TracerProvider
}

func newTracers(cfg tracingConfig, logger *slog.Logger) *tracers {
	return &tracers{cfg: cfg, logger: logger, providers: map[string]*sdktrace.TracerProvider{}}
}

// tracer returns the tracer of service, or nil when tracing is off.
func (t *tracers) tracer(ctx context.Context, service string) (*tracing.Tracer, error) {
	if t.cfg.url() == "" {
		return nil, nil // a nil tracer is tracing off, not a failure
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.providers[service]
	if !ok {
		var err error
		if p, err = newProvider(ctx, t.cfg.url(), "orderflow-"+service); err != nil {
			return nil, fmt.Errorf("setting up tracing of %s: %w", service, err)
		}
		t.providers[service] = p
	}
	return tracing.New(p, "orderflow/"+service), nil
}

// newProvider exports service's spans in batches over OTLP/HTTP to url.
// The exporter reads the rest from the OTEL_* variables.
func newProvider(ctx context.Context, url, service string) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(url))
	if err != nil {
		return nil, fmt.Errorf("creating the otlp exporter: %w", err)
	}
	// Later options win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the name given here.
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(service), semconv.ServiceNamespace("orderflow")),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("describing the service: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(tracing.OrderIDs{})), nil
}

// Close sends the spans still buffered and stops the exporters; a process
// that stops loses none of its last spans unless the collector is gone.
func (t *tracers) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for name, p := range t.providers {
		if err := p.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("flushing spans of %s: %w", name, err))
		}
	}
	clear(t.providers)
	return errors.Join(errs...)
}
