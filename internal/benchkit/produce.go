package benchkit

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/IBM/sarama"
)

// Produce writes the records of msgs through an async producer with sc,
// as fast as the brokers take them, and returns the first error: one msgs
// yields, the end of ctx, or the first record the brokers refused. The
// benchmarks fill topics with it; what they measure comes after.
func Produce(ctx context.Context, brokers []string, sc *sarama.Config, msgs iter.Seq2[*sarama.ProducerMessage, error]) error {
	p, err := sarama.NewAsyncProducer(brokers, sc)
	if err != nil {
		return fmt.Errorf("connecting producer: %w", err)
	}
	refused := make(chan error, 1)
	go func() {
		for e := range p.Errors() {
			select {
			case refused <- e.Err:
			default:
			}
		}
	}()
	for m, err := range msgs {
		if err != nil || ctx.Err() != nil {
			return errors.Join(err, ctx.Err(), p.Close())
		}
		p.Input() <- m
	}
	if err := p.Close(); err != nil {
		return fmt.Errorf("producing: %w", err)
	}
	select {
	case err := <-refused:
		return fmt.Errorf("producing: %w", err)
	default:
		return nil
	}
}
