package kafka

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultReplication(t *testing.T) {
	for _, tc := range []struct {
		brokers int
		want    int16
	}{{0, 1}, {1, 1}, {2, 2}, {3, 3}, {5, 3}} {
		t.Run(fmt.Sprintf("%d brokers get %d replicas", tc.brokers, tc.want), func(t *testing.T) {
			require.Equal(t, tc.want, DefaultReplication(tc.brokers))
		})
	}
}

func TestMinInsyncReplicas(t *testing.T) {
	for _, tc := range []struct {
		replication int16
		want        string
	}{{1, "1"}, {2, "2"}, {3, "2"}} {
		t.Run(fmt.Sprintf("%d replicas need %s in sync", tc.replication, tc.want), func(t *testing.T) {
			for _, tp := range wanted(Config{Replication: tc.replication}) {
				require.Equal(t, tc.want, *tp.config["min.insync.replicas"], tp.name)
			}
		})
	}
}
