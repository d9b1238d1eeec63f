package intake

import (
	"context"

	"github.com/lovoo/goka"
)

// fakeContext is the part of a goka.Context the gate uses, recording what
// the gate does with a record: its emits and table writes.
type fakeContext struct {
	unused
	ctx       context.Context
	topic     goka.Stream
	partition int32
	offset    int64
	key       string
	headers   goka.Headers

	emitted []emitted
	value   any
}

// unused stands in for the rest of goka.Context: calling any method the
// fake does not define panics.
type unused = goka.Context

type emitted struct {
	topic goka.Stream
	key   string
	value any
}

func (f *fakeContext) Context() context.Context { return f.ctx }
func (f *fakeContext) Topic() goka.Stream       { return f.topic }
func (f *fakeContext) Partition() int32         { return f.partition }
func (f *fakeContext) Offset() int64            { return f.offset }
func (f *fakeContext) Key() string              { return f.key }
func (f *fakeContext) Group() goka.Group        { return "test" }
func (f *fakeContext) Headers() goka.Headers    { return f.headers }

func (f *fakeContext) Emit(topic goka.Stream, key string, value any, opts ...goka.ContextOption) {
	// goka's options cannot be read from outside goka: the headers they
	// carry are checked against the real broker (integration/).
	f.emitted = append(f.emitted, emitted{topic: topic, key: key, value: value})
}

func (f *fakeContext) SetValue(v any, _ ...goka.ContextOption) { f.value = v }
