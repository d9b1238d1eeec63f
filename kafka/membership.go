package kafka

import (
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// Static group membership (KIP-345): a processor joins its group under a
// group.instance.id that survives restarts. When an instance killed with -9
// comes back within the session timeout, the coordinator hands it the
// partitions it had, without a rebalance of the other instances and without
// waiting for the session to expire. A new instance, or one gone longer than
// the session timeout, still rebalances the group as before.
//
// Static members do not leave their group when they close (sarama follows
// the KIP), so a stopped instance would hold its partitions until its session
// expires. Scaling down must hand them over at once, so a clean stop leaves
// explicitly: see Leave.

// instanceID returns the group.instance.id of the processor member of this
// process, or "" for dynamic membership. Instance ids are scoped to a group;
// member tells apart processors of one group in one process (`all` runs two
// schedulers).
func (g *Goka) instanceID(member string) string {
	if g.cfg.InstanceID == "" {
		return ""
	}
	return g.cfg.InstanceID + "-" + member
}

// consumerGroupBuilder returns goka's consumer group builder for the
// processor member.
func (g *Goka) consumerGroupBuilder(member string) goka.ConsumerGroupBuilder {
	return func(brokers []string, group, clientID string) (sarama.ConsumerGroup, error) {
		c := g.saramaConfig(clientID)
		c.Consumer.Group.InstanceId = g.instanceID(member)
		cg, err := sarama.NewConsumerGroup(brokers, group, c)
		if err != nil {
			return nil, err
		}
		return inOrder{cg}, nil
	}
}

// leaveTimeout bounds Leave: a stop must not hang on an unreachable broker.
const leaveTimeout = 5 * time.Second

// Leave takes the processor member of group out of its group, as a dynamic
// member does when it closes, so that the other instances take over its
// partitions now rather than after the session timeout. Call it once the
// processor has stopped (its offsets are committed); it does nothing under
// dynamic membership.
func (g *Goka) Leave(group goka.Group, member string) error {
	id := g.instanceID(member)
	if id == "" {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- g.leave(string(group), id) }()
	select {
	case err := <-done:
		return err
	case <-time.After(leaveTimeout):
		return fmt.Errorf("leaving group %s as %s: no answer within %v", group, id, leaveTimeout)
	}
}

func (g *Goka) leave(group, id string) error {
	admin, err := sarama.NewClusterAdmin(g.cfg.Brokers, g.saramaConfig("orderflow-leave"))
	if err != nil {
		return fmt.Errorf("connecting to leave group %s: %w", group, err)
	}
	defer func() { _ = admin.Close() }()
	resp, err := admin.RemoveMemberFromConsumerGroup(group, []string{id})
	if err != nil {
		return fmt.Errorf("leaving group %s as %s: %w", group, id, err)
	}
	if resp.Err != sarama.ErrNoError {
		return fmt.Errorf("leaving group %s as %s: %w", group, id, resp.Err)
	}
	for _, m := range resp.Members {
		// Unknown: the session had expired already, nothing to hand over.
		if m.Err != sarama.ErrNoError && m.Err != sarama.ErrUnknownMemberId {
			return fmt.Errorf("leaving group %s as %s: %w", group, id, m.Err)
		}
	}
	return nil
}
