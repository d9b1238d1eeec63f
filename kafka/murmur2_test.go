package kafka

import (
	"fmt"
	"testing"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
)

func TestMurmur2MatchesTheJavaClient(t *testing.T) {
	// Values of org.apache.kafka.common.utils.Utils.murmur2, as sarama's
	// tests record them.
	tests := []struct {
		in   string
		want uint32
	}{
		{"foo", 597841616},
		{"bar", 988958145},
		{"baz", 1973573280},
		{"", 275646681},
		{"kafka", 3496464228},
		{"sarama", 770765511},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("murmur2 of %q", tt.in), func(t *testing.T) {
			require.Equal(t, tt.want, Murmur2([]byte(tt.in)))
		})
	}
}

func TestHasherPartitionsLikeSaramasJavaCompatiblePartitioner(t *testing.T) {
	javaLike := sarama.NewMurmur2Partitioner("new_orders")
	ours := sarama.NewCustomHashPartitioner(NewMurmur2)("new_orders")
	for i := range 2000 {
		key := fmt.Sprintf("order-%d", i)
		msg := &sarama.ProducerMessage{Key: sarama.StringEncoder(key)}
		for _, n := range []int32{1, 6, 7, 32} {
			want, err := javaLike.Partition(msg, n)
			require.NoError(t, err)
			got, err := ours.Partition(msg, n)
			require.NoError(t, err)
			require.Equal(t, want, got, "key %s, %d partitions", key, n)
			require.Equal(t, want, Partition(key, n))
		}
	}
}

func TestHasherCanBeReused(t *testing.T) {
	h := NewMurmur2()
	_, _ = h.Write([]byte("kafka"))
	first := h.Sum32()
	h.Reset()
	_, _ = h.Write([]byte("kafka"))
	require.Equal(t, first, h.Sum32())
	require.Equal(t, uint32(3496464228)&0x7fffffff, first)
}
