// Package intake is the part every stage shares: the gate each input record
// passes before a stage decides anything, and the few rules that are the same
// for every stage.
//
//   - A record that cannot be used (empty, keyless, oversized, not JSON, of an
//     unknown version, invalid, keyed by another order) is set aside on the
//     dead-letter topic with the reason, and the processor goes on.
//   - A record on the wrong partition (written by a client whose partitioner
//     is not murmur2) is moved to its partition by the stream's router group
//     and skipped by every other reader.
//   - Work interrupted because the processor is stopping or its partition
//     moves is not failed and not left uncommitted: it is scheduled again at
//     once, without counting an attempt, and the record commits. A record
//     left uncommitted would make goka fail the processor (a restart and two
//     more rebalances) and, if a later record of the partition committed,
//     be skipped for good, since sarama's offsets only move forward.
//   - A stage that calls the outside world makes its calls beside the
//     callbacks (Calls), many orders at a time per partition; each answer
//     comes back as a record on the group's loopback topic, and records are
//     committed only as the finished prefix of their partition (Commits).
//   - An input seen again re-emits what the stage emitted the first time.
//   - A call to the outside world that failed for a passing reason is retried
//     later through the scheduler, not inside the callback. Only the retry an
//     entry holds as pending is acted on, and it is sent again only when the
//     record that scheduled it comes again, so copies never multiply.
package intake
