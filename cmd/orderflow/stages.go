package main

import (
	"context"
	"fmt"
	"time"

	"github.com/lovoo/goka"
	"github.com/nats-io/nats.go"
	"golang.org/x/sync/errgroup"

	"orderflow/codecs"
	"orderflow/gateway"
	"orderflow/intake"
	"orderflow/kafka"
	"orderflow/metrics"
	"orderflow/notify"
	"orderflow/processors/notifications"
	"orderflow/processors/orders"
	"orderflow/processors/payment"
	"orderflow/processors/scheduler"
	"orderflow/processors/shipping"
	"orderflow/retry"
	"orderflow/topology"
)

func (a *app) runPayment(ctx context.Context) (err error) {
	var gw payment.Gateway
	if a.cfg.Gateway.URL != "" {
		gw = gateway.NewClient(a.cfg.Gateway.URL)
	} else {
		var sim *gateway.Simulated
		if sim, err = gateway.NewSimulated(a.cfg.Gateway.Ledger); err != nil {
			return err
		}
		defer closeInto(&err, sim, "the gateway's ledger")
		gw = sim.WithLatency(a.cfg.Gateway.Latency)
	}
	gw = meteredGateway{gw: gw, calls: metrics.NewGatewayCalls(a.metrics, payment.Actions())}
	tracer, err := a.tracers.tracer(ctx, "payment")
	if err != nil {
		return err
	}
	answers, err := a.answers(topology.PaymentGroup)
	if err != nil {
		return err
	}
	defer closeInto(&err, answers, "payment's answer emitter")
	cfg := payment.Config{
		Gateway: gw, Logger: a.logger, Retry: a.cfg.Retry, Limits: a.limits(), Now: time.Now,
		Answers: intake.EmitTo(answers.Emitter), Context: ctx, InFlight: a.cfg.InFlight, Tracer: tracer,
	}
	acks := kafka.NewAcks(goka.GroupTable(topology.PaymentGroup))
	cfg.Unacked = acks.Unacked
	return a.withScheduler(ctx, topology.PaymentGroup, func(ctx context.Context) error {
		return a.runGroup(ctx, topology.PaymentGroup, string(topology.PaymentGroup), func() *goka.GroupGraph { return payment.Define(cfg) }, a.goka.Acked(acks))
	})
}

// withScheduler runs a stage that retries together with a scheduler
// instance, so that wherever a retrying stage runs, its retries come back.
// In `all` both retrying stages bring one; goka shares the partitions, and
// each is a member of the scheduler group under the name of its stage.
func (a *app) withScheduler(ctx context.Context, stage goka.Group, run func(context.Context) error) error {
	tracer, err := a.tracers.tracer(ctx, "scheduler")
	if err != nil {
		return err
	}
	cfg := scheduler.Config{Logger: a.logger, Limits: a.limits(), MaxWait: 2 * a.cfg.Retry.Max, Now: time.Now, Retries: a.retries(), Tracer: tracer}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return a.runGroup(ctx, topology.SchedulerGroup, "beside-"+string(stage), func() *goka.GroupGraph { return scheduler.Define(cfg) })
	})
	g.Go(func() error { return run(ctx) })
	return g.Wait()
}

// retries returns the process's count of retries, made once: in `all` two
// schedulers share it.
func (a *app) retries() *metrics.Retries {
	a.retriesOnce.Do(func() {
		a.retriesV = metrics.NewRetries(a.metrics, map[string][]string{
			string(topology.PaymentGroup):       payment.Actions(),
			string(topology.NotificationsGroup): notifications.Actions(),
		})
	})
	return a.retriesV
}

// limits are what every group's input gate accepts.
func (a *app) limits() intake.Limits {
	return intake.Limits{MaxRecordBytes: a.cfg.Kafka.MaxRecordBytes, Partitions: a.cfg.Kafka.Partitions}
}

func (a *app) runShipping(ctx context.Context) error {
	tracer, err := a.tracers.tracer(ctx, "shipping")
	if err != nil {
		return err
	}
	cfg := shipping.Config{Logger: a.logger, Limits: a.limits(), Now: time.Now, Tracer: tracer}
	return a.runGroup(ctx, topology.ShippingGroup, string(topology.ShippingGroup), func() *goka.GroupGraph { return shipping.Define(cfg) })
}

func (a *app) runOrders(ctx context.Context) error {
	tracer, err := a.tracers.tracer(ctx, "orders")
	if err != nil {
		return err
	}
	cfg := orders.Config{Logger: a.logger, Limits: a.limits(), Metrics: metrics.NewPipeline(a.metrics, groupInputs(), intake.Reasons()), Tracer: tracer}
	return a.runGroup(ctx, topology.OrdersGroup, string(topology.OrdersGroup), func() *goka.GroupGraph { return orders.Define(cfg) })
}

// groupInputs names the topics each group reads, taken from the groups'
// own graphs: the dead letters each may set aside.
func groupInputs() map[string][]string {
	inputs := map[string][]string{}
	for _, g := range []*goka.GroupGraph{
		payment.Define(payment.Config{}), shipping.Define(shipping.Config{}), notifications.Define(notifications.Config{}),
		orders.Define(orders.Config{}), scheduler.Define(scheduler.Config{}),
	} {
		inputs[string(g.Group())] = consumedTopics(g)
	}
	return inputs
}

func (a *app) runNotifications(ctx context.Context, natsURL string) (err error) {
	tracer, err := a.tracers.tracer(ctx, "notifications")
	if err != nil {
		return err
	}
	nc, err := a.connectNATS(natsURL, "orderflow-notifications")
	if err != nil {
		return err
	}
	defer nc.Close()
	a.ready.add("nats", natsConnected(nc))
	var pub *notify.Publisher
	// The stream is created once NATS answers; until then nothing can be
	// delivered anyway.
	err = retry.Do(ctx, retry.Policy{Base: 200 * time.Millisecond, Max: 5 * time.Second}, func(ctx context.Context) error {
		var err error
		pub, err = notify.NewPublisher(ctx, nc, tracer)
		return err
	}, func(attempt int, wait time.Duration, err error) {
		a.logger.Warn("nats not ready; retrying", "attempt", attempt, "error", err)
	})
	if err != nil {
		return fmt.Errorf("preparing notifications: %w", err)
	}
	// No attempt limit: while NATS is down notifications wait, they are
	// never dropped; the backoff keeps a dead server from being hammered.
	answers, err := a.answers(topology.NotificationsGroup)
	if err != nil {
		return err
	}
	defer closeInto(&err, answers, "notifications' answer emitter")
	notifier := meteredNotifier{n: pub, calls: metrics.NewNATSPublishes(a.metrics)}
	cfg := notifications.Config{Notifier: notifier, Logger: a.logger, Limits: a.limits(), Now: time.Now,
		Retry:   retry.Policy{Base: a.cfg.Retry.Base, Max: a.cfg.Retry.Max},
		Answers: intake.EmitTo(answers.Emitter), Context: ctx, InFlight: a.cfg.InFlight, Tracer: tracer}
	acks := kafka.NewAcks(goka.GroupTable(topology.NotificationsGroup))
	cfg.Unacked = acks.Unacked
	return a.withScheduler(ctx, topology.NotificationsGroup, func(ctx context.Context) error {
		return a.runGroup(ctx, topology.NotificationsGroup, string(topology.NotificationsGroup), func() *goka.GroupGraph { return notifications.Define(cfg) }, a.goka.Acked(acks))
	})
}

// connectNATS connects and keeps reconnecting for as long as the process
// lives.
func (a *app) connectNATS(url, name string) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			a.logger.Warn("nats disconnected", "error", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { a.logger.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
	}
	if a.cfg.NATSUser != "" {
		opts = append(opts, nats.UserInfo(a.cfg.NATSUser, string(a.cfg.NATSPass)))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to nats %s: %w", url, err)
	}
	return nc, nil
}

// natsConnected is the readiness of a connection from connectNATS, which
// keeps reconnecting by itself: ready while connected.
func natsConnected(nc *nats.Conn) func() error {
	return func() error {
		if !nc.IsConnected() {
			return fmt.Errorf("not connected (%s)", nc.Status())
		}
		return nil
	}
}

// answers returns the emitter through which a stage's calls answer, on the
// group's loopback topic. Close it after the processor has stopped: the
// calls out when it stops answer through it.
func (a *app) answers(group goka.Group) (answerEmitter, error) {
	e, err := goka.NewEmitter(a.goka.Brokers(), topology.Loop(group), codecs.Raw{}, a.goka.Emitter()...)
	if err != nil {
		return answerEmitter{}, fmt.Errorf("creating %s's answer emitter: %w", group, err)
	}
	return answerEmitter{e}, nil
}

// answerEmitter is a goka emitter that closes like an io.Closer.
type answerEmitter struct{ *goka.Emitter }

func (e answerEmitter) Close() error { return e.Finish() }
