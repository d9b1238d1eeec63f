package kafka

import (
	"fmt"
	"hash"
	"log/slog"
	"path/filepath"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// Goka builds the options that make goka processors, views and emitters use
// orderflow's sarama configuration, murmur2 partitioning and local storage,
// instead of goka's global defaults.
type Goka struct {
	cfg     Config
	base    *sarama.Config
	dataDir string
	logger  goka.Logger
	rf      replicationOnce // what goka checks topics against
}

// NewGoka checks cfg and returns the option builder. Local table storage goes
// under dataDir, which must not be shared with another running process.
func NewGoka(cfg Config, dataDir string, logger *slog.Logger) (*Goka, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := cfg.Sarama("orderflow")
	if err != nil {
		return nil, err
	}
	if dataDir == "" {
		return nil, fmt.Errorf("no data folder for goka's local storage")
	}
	return &Goka{cfg: cfg, base: base, dataDir: dataDir, logger: gokaLogger{logger}}, nil
}

// Brokers returns the brokers to connect to.
func (g *Goka) Brokers() []string { return g.cfg.Brokers }

// saramaConfig returns a copy of the base config for one client. The copy
// matters: goka's builders write the client id and partitioner into it.
func (g *Goka) saramaConfig(clientID string) *sarama.Config {
	c := *g.base
	c.ClientID = clientID
	return &c
}

func (g *Goka) producerBuilder(brokers []string, clientID string, hasher func() hash.Hash32) (goka.Producer, error) {
	c := g.saramaConfig(clientID)
	c.Producer.Partitioner = sarama.NewCustomHashPartitioner(hasher)
	return goka.NewProducer(brokers, c)
}

func (g *Goka) consumerBuilder(brokers []string, clientID string) (sarama.Consumer, error) {
	return sarama.NewConsumer(brokers, g.saramaConfig(clientID))
}

func (g *Goka) topicManagerBuilder(brokers []string) (goka.TopicManager, error) {
	rf, err := g.rf.get(g.cfg, brokers, g.saramaConfig("orderflow-topic-manager"))
	if err != nil {
		return nil, err
	}
	tm := goka.NewTopicManagerConfig()
	tm.Table.Replication = int(rf)
	tm.Stream.Replication = int(rf)
	// goka checks the loopback topics it reads against this; they are
	// streams like any other and created up front by EnsureTopics.
	tm.Stream.Retention = StreamRetention
	// Topics are created up front by EnsureTopics; a table that is missing
	// or laid out differently is an error, not something to paper over.
	tm.MismatchBehavior = goka.TMConfigMismatchBehaviorFail
	return goka.NewTopicManager(brokers, g.saramaConfig("orderflow-topic-manager"), tm)
}

// Processor returns the options for the processor of group, the only one of
// its group in this process.
func (g *Goka) Processor(group goka.Group) []goka.ProcessorOption {
	return g.ProcessorAs(group, string(group))
}

// ProcessorAs returns the options for a processor of group that member names
// among the processors of group in this process; its static group
// membership is under that name.
func (g *Goka) ProcessorAs(group goka.Group, member string) []goka.ProcessorOption {
	return []goka.ProcessorOption{
		goka.WithClientID(fmt.Sprintf("orderflow-%s", group)),
		goka.WithHasher(NewMurmur2),
		goka.WithProducerBuilder(g.producerBuilder),
		goka.WithConsumerGroupBuilder(g.consumerGroupBuilder(member)),
		goka.WithConsumerSaramaBuilder(g.consumerBuilder),
		goka.WithTopicManagerBuilder(g.topicManagerBuilder),
		goka.WithStorageBuilder(ProcessorStorageBuilder(filepath.Join(g.dataDir, "processors", string(group)))),
		goka.WithLogger(g.logger),
	}
}

// Acked returns the option that makes a processor's producer report its
// writes of the followed topic to acks.
func (g *Goka) Acked(acks *Acks) goka.ProcessorOption {
	return goka.WithProducerBuilder(func(brokers []string, clientID string, hasher func() hash.Hash32) (goka.Producer, error) {
		p, err := g.producerBuilder(brokers, clientID, hasher)
		if err != nil {
			return nil, err
		}
		return acks.Wrap(p), nil
	})
}

// View returns the options for a view of table.
func (g *Goka) View(table goka.Table) []goka.ViewOption {
	return []goka.ViewOption{
		goka.WithViewClientID(fmt.Sprintf("orderflow-view-%s", table)),
		goka.WithViewHasher(NewMurmur2),
		goka.WithViewConsumerSaramaBuilder(g.consumerBuilder),
		goka.WithViewTopicManagerBuilder(g.topicManagerBuilder),
		goka.WithViewStorageBuilder(StorageBuilder(filepath.Join(g.dataDir, "views", string(table)))),
		goka.WithViewAutoReconnect(),
		goka.WithViewLogger(g.logger),
	}
}

// Emitter returns the options for an emitter.
func (g *Goka) Emitter() []goka.EmitterOption {
	return []goka.EmitterOption{
		goka.WithEmitterClientID("orderflow-emitter"),
		goka.WithEmitterHasher(NewMurmur2),
		goka.WithEmitterProducerBuilder(g.producerBuilder),
		goka.WithEmitterTopicManagerBuilder(g.topicManagerBuilder),
		goka.WithEmitterLogger(g.logger),
	}
}

// gokaLogger sends goka's printf-style lines to slog at debug level: they
// are about goka's own machinery, not about orders.
type gokaLogger struct{ l *slog.Logger }

func (g gokaLogger) Print(v ...any)   { g.l.Debug(fmt.Sprint(v...), "component", "goka") }
func (g gokaLogger) Println(v ...any) { g.l.Debug(fmt.Sprint(v...), "component", "goka") }
func (g gokaLogger) Printf(format string, v ...any) {
	g.l.Debug(fmt.Sprintf(format, v...), "component", "goka")
}
