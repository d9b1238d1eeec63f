package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"orderflow/internal/benchkit"
)

func TestTheReportPrintsThePartsInOrderAndOneLinePerRate(t *testing.T) {
	var r report
	r.add("b", "stages alone: orders/s", "%.0f", 3100.4)
	r.add("a", "broker ceiling: records/s", "%s", "95000.1")
	r.rates = append(r.rates, rateResult{rate: 500, accepted: 499, notified: 498,
		lat: benchkit.Sorted{5 * time.Millisecond, 12 * time.Millisecond}, records: 9.5, brokerMS: 0.41, orderflowMS: 1.2, benchMS: 0.25, refused: "-"})
	var b strings.Builder
	require.NoError(t, r.write(&b))
	out := b.String()
	require.Less(t, strings.Index(out, "broker ceiling"), strings.Index(out, "stages alone"))
	require.Regexp(t, `500 +499 +498 +5ms +5ms +5ms +12ms +0 +0 +9.50 +0.410 +1.200 +0.250 +- *\n`, out)
}

func TestSpentCountsOnlyWhatGrew(t *testing.T) {
	before := usage{cpu: time.Second, ends: map[string]int64{"new_orders": 10, "idle": 5}}
	after := usage{cpu: 3 * time.Second, ends: map[string]int64{"new_orders": 30, "idle": 5, "fresh": 4}}
	s := before.until(after)
	require.Equal(t, map[string]int64{"new_orders": 20, "fresh": 4}, s.records)
	require.Equal(t, 2*time.Second, s.cpu)
	require.Equal(t, "2.40 records/order (fresh 0.40, new_orders 2.00), broker CPU 200.000 ms/order", s.perOrder(10))
}

func TestOnlyProducerPerformancesOwnLinesAreShown(t *testing.T) {
	in := "[2026-11-26 01:11:39,450] INFO initializing\n5000 records sent, 999.8 records/sec\n[2026-11-26 01:11:43,423] INFO Closing\n" +
		"100000 records sent, 26315.8 records/sec (11.82 MB/sec), 33.21 ms avg latency, 565.00 ms max latency, 25 ms 50th, 94 ms 95th, 118 ms 99th, 146 ms 99.9th.\n"
	var out strings.Builder
	last := showLines(strings.NewReader(in), &out)
	require.NotContains(t, out.String(), "INFO")
	m := perfLine.FindStringSubmatch(last)
	require.Equal(t, []string{"26315.8", "11.82", "25", "118"}, []string{m[2], m[3], m[6], m[8]})
}
