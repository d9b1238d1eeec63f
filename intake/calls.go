package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lovoo/goka"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"orderflow/codecs"
	"orderflow/events"
	"orderflow/tracing"
)

// AnswerEmitter writes a call's answer to the group's loopback topic and
// returns once the broker has it (EmitTo, in production).
type AnswerEmitter func(key string, value []byte, headers goka.Headers) error

// EmitTo writes answers with a goka emitter of the group's loopback topic.
func EmitTo(e *goka.Emitter) AnswerEmitter {
	return func(key string, value []byte, headers goka.Headers) error {
		p, err := e.EmitWithHeaders(key, value, headers)
		if err != nil {
			return fmt.Errorf("emitting answer: %w", err)
		}
		done := make(chan error, 1)
		p.Then(func(err error) { done <- err })
		return <-done
	}
}

// CallsConfig is what Calls needs.
type CallsConfig struct {
	// Emitter writes answers to the group's loopback topic. Without one,
	// a call is made inside the callback and answered with ctx.Loopback:
	// one order at a time per partition, as goka's tester needs.
	Emitter AnswerEmitter
	// Context bounds the calls: the stage's lifetime, not the callback's,
	// so that a rebalance lets a call finish and answer. It outlives a
	// processor restarted after a failure; the calls it left answer, and
	// their answers are taken or dropped as any other.
	Context context.Context
	// InFlight caps the calls out at once in the process; a callback that
	// would start one more waits. 0 means 256.
	InFlight int
	// Passing reports whether a call's error may go away by itself.
	Passing func(error) bool
	Logger  *slog.Logger
	// Tracer makes each call a child span of the record that started it,
	// named Peer and the action ("gateway charge"); nil is tracing off.
	Tracer *tracing.Tracer
	Peer   string
	// Unacked returns a wait for the write of key's table entry that the
	// broker has not acknowledged yet, or nil (kafka.Acks.Unacked). A call
	// the entry records is made only once the record is on the broker: a
	// crash could otherwise lose the record of a call that was made, and
	// the stage decide after the restart as if none was.
	Unacked func(key string) func() error
}

// Calls makes a stage's calls to the outside world beside its callbacks, so
// that one slow answer holds up no other order of the partition, and brings
// each answer back as a record on the group's loopback topic: a goka
// context is valid only inside its callback, so the table is written when
// the answer is processed.
//
// Every record of the stage is held (see Commits) until its work is done: a
// record that started a call, until the answer is on the broker. A crash
// therefore leaves every record whose call was out uncommitted; it comes
// again, finds its call in the table (or, for a call the stage does not
// record, finds nothing done) and makes it again under the same
// idempotency key. A record that would make the same call (action and
// attempt) while it is still out here starts nothing. A call the table
// records is made only once the broker has that record (Unacked), so that
// "the table shows no call" always means none was made.
type Calls struct {
	cfg     CallsConfig
	commits *Commits
	slots   chan struct{}

	mu      sync.Mutex
	current map[partitionKey]*holding // the record each partition is processing
	out     map[string]events.Call    // order id -> the call out in this process
}

// holding is the commit of the record being processed.
type holding struct {
	done  func(error)
	taken bool // a call took it over; the call releases it
}

// NewCalls returns the calls of one processor.
func NewCalls(cfg CallsConfig) *Calls {
	if cfg.InFlight <= 0 {
		cfg.InFlight = 256
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Calls{
		cfg: cfg, commits: NewCommits(), slots: make(chan struct{}, cfg.InFlight),
		current: map[partitionKey]*holding{}, out: map[string]events.Call{},
	}
}

// Wrap holds the commit of every record cb processes, and releases it when
// cb returns unless cb started a call. Every input of a stage that calls
// out must be wrapped, or a record committed behind a call still out could
// be skipped by a crash.
func (c *Calls) Wrap(cb goka.ProcessCallback) goka.ProcessCallback {
	if c.cfg.Emitter == nil {
		return cb
	}
	return func(ctx goka.Context, msg any) {
		h := &holding{done: c.commits.Hold(ctx)}
		k := partitionKey{string(ctx.Topic()), ctx.Partition()}
		c.mu.Lock()
		c.current[k] = h
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			delete(c.current, k)
			c.mu.Unlock()
			if !h.taken {
				h.done(nil)
			}
		}()
		cb(ctx, msg)
	}
}

// Start makes call for the record being processed, whose table entry now
// holds it as out, and answers it on the loopback topic. input is the
// record the call is for. The call gets a context without the callback's
// deadline; it must bound itself.
func (c *Calls) Start(ctx goka.Context, call events.Call, input []byte, do func(context.Context) (any, error)) {
	if c.cfg.Emitter == nil {
		callCtx, span := c.span(ctx.Context(), ctx, call)
		result, err := do(callCtx)
		a := c.answer(ctx.Context(), ctx.Key(), call, input, result, err)
		endSpan(span, a)
		ctx.Loopback(ctx.Key(), mustJSON(a), goka.WithCtxEmitHeaders(answerHeaders(callCtx)))
		return
	}
	key := ctx.Key()
	c.mu.Lock()
	if out, ok := c.out[key]; ok && out.Action == call.Action && out.Attempt == call.Attempt {
		// Out already, perhaps started by another copy of the input (a
		// stage may leave an order's first call unrecorded): its answer
		// will come.
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	select {
	case c.slots <- struct{}{}:
	case <-c.cfg.Context.Done():
		c.loopback(ctx, c.answer(c.cfg.Context, key, call, input, nil, c.cfg.Context.Err()))
		return
	}
	c.mu.Lock()
	h := c.current[partitionKey{string(ctx.Topic()), ctx.Partition()}]
	if h == nil {
		c.mu.Unlock()
		panic("intake: Calls.Start outside a callback wrapped by Calls.Wrap")
	}
	h.taken = true
	c.out[key] = call
	c.mu.Unlock()
	recorded := c.recorded(key)
	callCtx, span := c.span(c.cfg.Context, ctx, call)
	go func() {
		defer func() { <-c.slots }()
		if err := recorded(); err != nil {
			span.SetStatus(codes.Error, "not made: its record is not on the broker")
			span.End()
			c.cfg.Logger.Error("a call's record not written; the call is not made and the processor stops", "order_id", key, "action", call.Action, "error", err)
			c.mu.Lock()
			delete(c.out, key)
			c.mu.Unlock()
			h.done(err)
			return
		}
		result, err := do(callCtx)
		a := c.answer(c.cfg.Context, key, call, input, result, err)
		endSpan(span, a)
		if c.emit(a, answerHeaders(callCtx)) {
			c.mu.Lock()
			delete(c.out, key)
			c.mu.Unlock()
			h.done(nil)
		}
	}()
}

// recorded returns a wait until the broker has key's entry as the record
// being processed wrote it. It does not end with the processor's context:
// the producer sends what it holds before goka closes it, so at a stop the
// call goes on as any call cut short does, answered as interrupted. An
// error means the write failed: the call must not be made, and the record
// fails, which stops the processor (Commits.Hold); whoever owns the
// partition next reads the entry from the broker and decides again.
func (c *Calls) recorded(key string) func() error {
	if c.cfg.Unacked != nil {
		if wait := c.cfg.Unacked(key); wait != nil {
			return wait
		}
	}
	return func() error { return nil }
}

// span starts the call's span, a child of the span of the record being
// processed, under base (the calls' lifetime). With tracing off it returns
// base as it is.
func (c *Calls) span(base context.Context, ctx goka.Context, call events.Call) (context.Context, trace.Span) {
	if c.cfg.Tracer == nil {
		return c.cfg.Tracer.Start(base, "")
	}
	base = trace.ContextWithSpan(base, trace.SpanFromContext(ctx.Context()))
	return c.cfg.Tracer.Start(base, c.cfg.Peer+" "+call.Action, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(tracing.OrderID.String(ctx.Key()),
			attribute.String("orderflow.call.action", call.Action), attribute.Int("orderflow.call.attempt", call.Attempt)))
}

// endSpan ends a call's span with its outcome.
func endSpan(span trace.Span, a events.CallAnswered) {
	span.SetAttributes(attribute.String("orderflow.call.outcome", a.Outcome))
	if a.Outcome != events.OutcomeOK {
		span.SetStatus(codes.Error, a.Error)
	}
	span.End()
}

// emit writes an answer until the broker has it. It gives up only when the
// processor stops, leaving the record uncommitted for whoever owns its
// partition next: it comes again and the call is made again.
func (c *Calls) emit(a events.CallAnswered, headers goka.Headers) bool {
	value, err := json.Marshal(a)
	if err != nil {
		c.cfg.Logger.Error("encoding an answer", "order_id", a.OrderID, "error", err) // our own type always encodes
		return false
	}
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := c.cfg.Emitter(a.OrderID, value, headers)
		if err == nil {
			return true
		}
		c.cfg.Logger.Warn("writing a call's answer failed; trying again", "order_id", a.OrderID, "action", a.Action, "error", err)
		select {
		case <-time.After(wait):
		case <-c.cfg.Context.Done():
			if err := c.cfg.Emitter(a.OrderID, value, headers); err == nil {
				return true
			}
			c.cfg.Logger.Error("a call's answer not written before the stop; its record stays uncommitted", "order_id", a.OrderID, "action", a.Action)
			return false
		}
	}
}

// answerHeaders are the headers of an answer: its kind, and the trace
// context of the call's span, so that the answer's processing continues the
// order's trace under the call.
func answerHeaders(callCtx context.Context) goka.Headers {
	if tc := tracing.Inject(callCtx); tc != nil {
		return answerKind.Merged(tc)
	}
	return answerKind
}

var answerKind = goka.Headers{events.HeaderRecord: []byte(events.RecordAnswer)}

// loopback answers a call that was never made (the processor stops) from
// the callback; the record's own trace context goes with it.
func (c *Calls) loopback(ctx goka.Context, a events.CallAnswered) {
	ctx.Loopback(ctx.Key(), mustJSON(a), goka.WithCtxEmitHeaders(answerKind))
}

// answer turns a call's result into its answer record. A call cut short
// because the processor stops (callCtx ended) is interrupted, not failed.
func (c *Calls) answer(callCtx context.Context, key string, call events.Call, input []byte, result any, err error) events.CallAnswered {
	a := events.CallAnswered{V: codecs.Version, OrderID: key, Call: call, Outcome: events.OutcomeOK, Input: input}
	switch {
	case err != nil && callCtx.Err() != nil:
		a.Outcome, a.Error = events.OutcomeInterrupted, err.Error()
	case err != nil && c.cfg.Passing != nil && c.cfg.Passing(err):
		a.Outcome, a.Error = events.OutcomePassing, err.Error()
	case err != nil:
		a.Outcome, a.Error = events.OutcomeFailed, err.Error()
	default:
		a.Result = mustJSON(result)
	}
	return a
}

// StartedHere reports whether the record being processed started the call
// the entry holds as out. That record, seen again, makes the call again: a
// crash may have lost it, and the idempotency key (or message id) makes a
// second call harmless; Calls skips it while it is still out in this
// process. Any other record of the order waits for the answer.
func (g *Gate) StartedHere(ctx goka.Context, out *events.Call) bool {
	if out.StartedBy == Source(ctx) {
		return true
	}
	g.Log(ctx).Info("input seen while a call is out; nothing to do", "action", out.Action, "attempt", out.Attempt)
	return false
}

// IsAnswer reports whether the record being processed on a loopback topic
// is a call's answer (the other records there are due retries).
func IsAnswer(ctx goka.Context) bool {
	return string(ctx.Headers()[events.HeaderRecord]) == events.RecordAnswer
}

// Waiting returns how many records wait for their commit.
func (c *Calls) Waiting() int { return c.commits.Waiting() }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encoding %T: %v", v, err)) // our own types always encode
	}
	return b
}
