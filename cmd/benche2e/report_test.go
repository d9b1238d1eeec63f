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
		lat: benchkit.Sorted{5 * time.Millisecond, 12 * time.Millisecond}, records: 9.5, brokerMS: 0.41, refused: "-"})
	var b strings.Builder
	require.NoError(t, r.write(&b))
	out := b.String()
	require.Less(t, strings.Index(out, "broker ceiling"), strings.Index(out, "stages alone"))
	require.Regexp(t, `500 +499 +498 +5ms +5ms +5ms +12ms +0 +0 +9.50 +0.410 +- *\n`, out)
}

func TestSpentCountsOnlyWhatGrew(t *testing.T) {
	before := usage{cpu: time.Second, ends: map[string]int64{"new_orders": 10, "idle": 5}}
	after := usage{cpu: 3 * time.Second, ends: map[string]int64{"new_orders": 30, "idle": 5, "fresh": 4}}
	s := before.until(after)
	require.Equal(t, map[string]int64{"new_orders": 20, "fresh": 4}, s.records)
	require.Equal(t, 2*time.Second, s.cpu)
	require.Equal(t, "2.40 records/order (fresh 0.40, new_orders 2.00), broker CPU 200.000 ms/order", s.perOrder(10))
}
