// Package kafka holds how orderflow talks to Kafka: the sarama configuration
// every producer and consumer shares, the goka options built from it, the
// murmur2 partitioner that places keys where Kafka's own clients do, the
// explicit creation of every topic, and the Writer through which the API
// places and cancels orders.
package kafka
