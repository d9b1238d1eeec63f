package kafka

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFetchWait(t *testing.T) {
	cfg := Config{Brokers: []string{"127.0.0.1:9092"}, Partitions: 6}
	t.Run("zero: a fetch is answered as soon as one record is there", func(t *testing.T) {
		sc, err := cfg.Sarama("test")
		require.NoError(t, err)
		require.Equal(t, int32(1), sc.Consumer.Fetch.Min)
	})
	t.Run("a wait: the broker gathers records up to it", func(t *testing.T) {
		c := cfg
		c.FetchWait = 5 * time.Millisecond
		sc, err := c.Sarama("test")
		require.NoError(t, err)
		require.Equal(t, int32(64<<10), sc.Consumer.Fetch.Min)
		require.Equal(t, 5*time.Millisecond, sc.Consumer.MaxWaitTime)
		require.NoError(t, c.Validate())
	})
	t.Run("a wait the fetch request cannot carry is refused at start", func(t *testing.T) {
		for _, wait := range []time.Duration{-time.Millisecond, 1500 * time.Microsecond} {
			c := cfg
			c.FetchWait = wait
			require.ErrorContains(t, c.Validate(), "fetch wait", "%v", wait)
		}
	})
}
