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

// tracingConfig says whether spans are exported, from the standard
// OpenTelemetry variables: tracing is on when an OTLP endpoint is set
// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) and
// OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none do not turn it off. The
// SDK and the OTLP/HTTP exporter read the rest themselves (headers,
// timeouts, compression, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_TRACES_SAMPLER, OTEL_BSP_*).
type tracingConfig struct {
	Endpoint string // empty: tracing off
	Protocol string // OTEL_EXPORTER_OTLP_PROTOCOL, which only http/protobuf may be
}

func readTracing(getenv func(string) string) tracingConfig {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || getenv("OTEL_TRACES_EXPORTER") == "none" {
		return tracingConfig{}
	}
	c := tracingConfig{Endpoint: getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), Protocol: getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")}
	if c.Endpoint == "" {
		c.Endpoint = getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	if c.Protocol == "" {
		c.Protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	return c
}

func (c tracingConfig) check() error {
	if c.Endpoint != "" && c.Protocol != "" && c.Protocol != "http/protobuf" {
		return fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: orderflow exports traces over http/protobuf only", c.Protocol)
	}
	return nil
}

// shown is the tracing setting for the start-up line.
func (c tracingConfig) shown() string {
	if c.Endpoint == "" {
		return "off"
	}
	return "otlp " + c.Endpoint
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
	if t.cfg.Endpoint == "" {
		return nil, nil // a nil tracer is tracing off, not a failure
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.providers[service]
	if !ok {
		var err error
		if p, err = newProvider(ctx, "orderflow-"+service); err != nil {
			return nil, fmt.Errorf("setting up tracing of %s: %w", service, err)
		}
		t.providers[service] = p
	}
	return tracing.New(p, "orderflow/"+service), nil
}

// newProvider exports service's spans in batches over OTLP/HTTP. The
// exporter reads its endpoint and the rest from the OTEL_* variables.
func newProvider(ctx context.Context, service string) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx)
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
