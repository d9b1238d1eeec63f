package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"

	"orderflow/intake"
	"orderflow/metrics"
	"orderflow/processors/payment"
)

// Prometheus's parser and rule file format themselves: a rule Prometheus
// would refuse fails here, not when compose starts.
func TestAlertRules(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	groups, errs := rulefmt.ParseFile("../../deploy/prometheus-rules.yml", false, model.UTF8Validation, p, slog.New(slog.DiscardHandler))
	require.Empty(t, errs)
	exported := exportedMetrics(t)
	var alerts []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			expr, err := p.ParseExpr(r.Expr)
			require.NoError(t, err, r.Alert)
			names := metricNames(expr)
			require.NotEmpty(t, names, r.Alert)
			for _, name := range names {
				require.True(t, exported[name] || scrapeSeries[name], "%s names %s, which orderflow does not export", r.Alert, name)
			}
		}
	}
	for _, want := range []string{"OrderflowConsumerLagGrowing", "OrderflowPartitionStalled", "OrderflowDeadLetters", "OrderflowNoOrdersCompleted", "OrderflowStageDown"} {
		require.Contains(t, alerts, want)
	}
}

// scrapeSeries are what Prometheus itself adds to every target.
var scrapeSeries = map[string]bool{"up": true, "scrape_duration_seconds": true, "scrape_samples_scraped": true}

// metricNames returns the metric names an expression selects.
func metricNames(expr parser.Expr) []string {
	var names []string
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
					names = append(names, m.Value)
				}
			}
		}
		return nil
	})
	return names
}

// exportedMetrics registers every metric the services register, as they
// do, and returns the names a scrape shows (histograms and summaries as
// their _bucket, _sum and _count series too).
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	reg := metrics.NewRegistry()
	r := chi.NewRouter()
	r.Get("/orders", func(http.ResponseWriter, *http.Request) {})
	metrics.NewHTTP(reg).Middleware(r)
	metrics.NewPipeline(reg, groupInputs(), intake.Reasons())
	metrics.NewViewSkipped(reg)
	g := metrics.NewGroups(reg)
	g.Start("payment")
	g.SetLag("payment", "new_orders", 0, 0)
	metrics.NewGatewayCalls(reg, payment.Actions())
	metrics.NewNATSPublishes(reg)
	metrics.NewRetries(reg, map[string][]string{"payment": payment.Actions()})
	families, err := reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
		if k := f.GetType().String(); slices.Contains([]string{"HISTOGRAM", "SUMMARY"}, k) {
			for _, suffix := range []string{"_sum", "_count", "_bucket"} {
				names[f.GetName()+suffix] = true
			}
		}
	}
	return names
}

// The dashboard's queries parse and name only metrics orderflow exports.
func TestDashboardQueries(t *testing.T) {
	b, err := os.ReadFile("../../deploy/grafana/dashboards/orderflow.json")
	require.NoError(t, err)
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(b, &d))
	p := parser.NewParser(parser.Options{})
	exported := exportedMetrics(t)
	for _, panel := range d.Panels {
		for _, target := range panel.Targets {
			expr, err := p.ParseExpr(strings.ReplaceAll(target.Expr, "$__rate_interval", "1m"))
			require.NoError(t, err, panel.Title)
			for _, name := range metricNames(expr) {
				require.True(t, exported[name], "panel %q names %s, which orderflow does not export", panel.Title, name)
			}
		}
	}
}
