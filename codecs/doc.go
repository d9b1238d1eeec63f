// Package codecs defines the records orderflow writes to Kafka, one schema per
// topic, and the goka codecs that read and write them as versioned JSON.
//
// Every record carries its schema version in the field "v". A reader accepts
// only the versions it knows, and a record that does not decode, has an
// unknown version or fails validation is reported with a typed error, so that
// a processor can set it aside in the dead-letter topic instead of stopping.
package codecs
