// Package benchkit holds what orderflow's benchmark commands share: the real
// binary run as processes, the CPU time and memory of a process, customers'
// tokens, latency histograms and a progress bar. The commands (cmd/loadgen,
// cmd/benchscale, cmd/benche2e) print figures; nothing here asserts them.
package benchkit
