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
//   - A record whose work was interrupted (the processor is stopping, or its
//     partition moves) is abandoned: left uncommitted for the next owner, and
//     so is every later record of its partition in this generation.
//   - An input seen again re-emits what the stage emitted the first time.
//   - A call to the outside world that failed for a passing reason is retried
//     later through the scheduler, not inside the callback.
package intake
