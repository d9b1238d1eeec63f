package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// report is every figure of a run, in the order they were measured, and
// the rates over HTTP.
type report struct {
	figures []figure
	rates   []rateResult
}

type figure struct{ part, name, value string }

func (r *report) add(part, name, format string, args ...any) {
	r.figures = append(r.figures, figure{part, name, fmt.Sprintf(format, args...)})
}

// write prints the table: the single figures by part, then one line per
// rate over HTTP.
func (r *report) write(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\npart\tfigure\tvalue")
	for _, p := range "abd" {
		for _, f := range r.figures {
			if f.part == string(p) {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", f.part, f.name, f.value)
			}
		}
	}
	if err := tw.Flush(); err != nil || len(r.rates) == 0 {
		return err
	}
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nc: rate/s\taccepted/s\tnotified/s\tp50\tp90\tp99\tmax\tmissing\tdups\trecords/order\tCPU ms/order: broker\torderflow\tbenchmark\trefused\t")
	for _, x := range r.rates {
		fmt.Fprintf(tw, "%.0f\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%d\t%d\t%.2f\t%.3f\t%.3f\t%.3f\t%s\t\n", x.rate, x.accepted, x.notified,
			short(x.lat.P(50)), short(x.lat.P(90)), short(x.lat.P(99)), short(x.lat.Max()), x.missing, x.dups, x.records,
			x.brokerMS, x.orderflowMS, x.benchMS, x.refused)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out, "c: latency from each POST's scheduled time to the order's NATS receipt")
	return err
}

// short rounds a latency to what a reader compares.
func short(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second).String()
	case d >= 100*time.Millisecond:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(100 * time.Microsecond).String()
	}
}
