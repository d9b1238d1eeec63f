package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"

	"orderflow/intake"
	"orderflow/kafka"
	"orderflow/metrics"
)

// groups are the consumer groups whose processors run in this process: what
// the lag watcher reads, and the metrics of their assignments.
type groups struct {
	metrics *metrics.Groups
	once    sync.Once // starts the lag watcher with the first group

	mu     sync.Mutex
	topics map[goka.Group][]string
}

// runGroup supervises the processor of group that member names in this
// process (see kafka.Goka.ProcessorAs), built from a fresh graph on every
// start. Once ctx ends it leaves the group, so that the other instances take
// over its partitions at once: a clean stop hands them over, only a crash
// waits for the session timeout (or for the instance to come back).
func (a *app) runGroup(ctx context.Context, group goka.Group, member string, define func() *goka.GroupGraph, extra ...goka.ProcessorOption) error {
	a.groups.add(group, consumedTopics(define()))
	a.groups.once.Do(func() { go a.watchLag(ctx) })
	opts := append(a.goka.ProcessorAs(group, member), goka.WithRebalanceCallback(func(as goka.Assignment) {
		a.groups.metrics.Rebalanced(string(group), len(as))
		a.logger.Info("partitions assigned", "group", string(group), "partitions", len(as))
	}))
	opts = append(opts, extra...)
	err := a.supervise(ctx, string(group), func() (*goka.Processor, error) {
		return intake.NewProcessor(a.goka.Brokers(), define(), opts...)
	})
	a.groups.metrics.Stopped(string(group))
	if err := a.goka.Leave(group, member); err != nil {
		a.logger.Warn("leaving the group failed; its partitions move after the session timeout", "group", string(group), "error", err)
	}
	return err
}

func (g *groups) add(group goka.Group, topics []string) {
	g.metrics.Start(string(group))
	g.mu.Lock()
	defer g.mu.Unlock()
	g.topics[group] = topics
}

func (g *groups) snapshot() map[goka.Group][]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[goka.Group][]string, len(g.topics))
	for k, v := range g.topics {
		out[k] = v
	}
	return out
}

// consumedTopics are the topics a group's consumer group subscribes to: its
// input streams and its loopback topic.
func consumedTopics(g *goka.GroupGraph) []string {
	topics := g.InputStreams().Topics()
	if loop := g.LoopStream(); loop != nil {
		topics = append(topics, loop.Topic())
	}
	return topics
}

// watchLag reads the lag of the process's groups every LagInterval until
// ctx ends. Every instance of a group reports the lag of all its
// partitions, so that a partition whose owner died is still seen; the
// dashboard takes the max over instances.
func (a *app) watchLag(ctx context.Context) {
	if a.cfg.LagInterval <= 0 {
		return
	}
	var reader *kafka.LagReader
	defer func() {
		if reader != nil {
			_ = reader.Close()
		}
	}()
	failing := false
	tick := time.NewTicker(a.cfg.LagInterval)
	defer tick.Stop()
	for {
		err := a.readLag(&reader)
		if err != nil {
			a.groups.metrics.LagErrors.Inc()
			if !failing { // once per outage, not every tick
				a.logger.Warn("reading the consumer lag failed", "error", err)
			}
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// readLag reads the lag of every group once, connecting first if needed.
func (a *app) readLag(reader **kafka.LagReader) error {
	if *reader == nil {
		r, err := kafka.NewLagReader(a.cfg.Kafka)
		if err != nil {
			return err
		}
		*reader = r
	}
	var errs []error
	for group, topics := range a.groups.snapshot() {
		lag, err := (*reader).Lag(string(group), topics)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for topic, parts := range lag {
			for p, n := range parts {
				a.groups.metrics.SetLag(string(group), topic, p, n)
			}
		}
	}
	return errors.Join(errs...)
}

// fenced explains the one processor error an operator must act on: another
// running process has this one's instance id (a copied data folder, or
// INSTANCE_ID set alike on two), and the two take turns evicting each other.
func fenced(err error) bool { return errors.Is(err, sarama.ErrFencedInstancedId) }
