package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestQuickShortensWhatIsNotGiven(t *testing.T) {
	c, err := parse([]string{"-quick", "-stage-orders", "500"})
	require.NoError(t, err)
	require.Equal(t, 500, c.stageOrders, "given, so kept")
	require.Equal(t, 1000, c.slowOrders)
	require.Equal(t, []float64{250, 500}, c.rates)
	require.Equal(t, 5*time.Second, c.stepFor)
	require.Equal(t, 5*time.Second, c.warmFor)
}

func TestTheDefaultsAreTheFullRunOnTheBenchmarksOwnPorts(t *testing.T) {
	c, err := parse(nil)
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.1:59092"}, c.brokers)
	require.Equal(t, 59100, c.portBase)
	require.Equal(t, []float64{500, 1000, 2000, 3000}, c.rates)
	require.Equal(t, 30*time.Second, c.warmFor)
	require.Equal(t, map[string]bool{"a": true, "b": true, "c": true, "d": true}, c.parts)
}

func TestBadListsAreRefused(t *testing.T) {
	for _, args := range [][]string{{"-rates", "500,x"}, {"-rates", "0"}, {"-parts", "a,e"}, {"-parts", "ab"}} {
		_, err := parse(args)
		require.Error(t, err, "%v", args)
	}
}
