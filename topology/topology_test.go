package topology

import (
	"testing"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"
)

func TestLoopIsTheTopicGokaReads(t *testing.T) {
	for _, g := range Retrying() {
		graph := goka.DefineGroup(g, goka.Input("x", nil, nil), goka.Loop(nil, nil))
		require.Equal(t, graph.LoopStream().Topic(), string(Loop(g)))
	}
}

func TestEveryStreamWithARouterHasOne(t *testing.T) {
	for _, s := range Streams() {
		g, ok := Router(s)
		if s == DeadLetters || s == Loop(PaymentGroup) || s == Loop(NotificationsGroup) {
			require.False(t, ok, "%s needs no router: only one group reads it, where it lands", s)
			continue
		}
		require.True(t, ok, "%s has a router", s)
		require.NotEmpty(t, g)
	}
}
