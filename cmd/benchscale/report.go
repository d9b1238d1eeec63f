package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// report prints every figure at every order count, and how the largest
// count's figure compares with the smallest's.
func report(out io.Writer, results []result) error {
	if len(results) == 0 {
		return nil
	}
	first, last := results[0], results[len(results)-1]
	var metrics []string
	for m := range last.values {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := []string{"figure"}
	for _, r := range results {
		head = append(head, fmt.Sprintf("%d orders", r.n))
	}
	head = append(head, fmt.Sprintf("%d / %d", last.n, first.n))
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, m := range metrics {
		row := []string{m}
		for _, r := range results {
			row = append(row, fmt.Sprintf("%.2f", r.values[m]))
		}
		ratio := "-"
		if first.values[m] > 0 {
			ratio = fmt.Sprintf("%.2f", last.values[m]/first.values[m])
		}
		fmt.Fprintln(tw, strings.Join(append(row, ratio), "\t")+"\t")
	}
	return tw.Flush()
}
