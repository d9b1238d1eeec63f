package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// event is one server-sent event: its data and an id that names the data.
type event struct {
	id   string
	data []byte
}

// newEvent encodes v as an event. The id is a hash of the data, so a client
// that reconnects with Last-Event-ID is spared a state it already has, on
// any API instance: there is no counter the instances would have to share.
func newEvent(v any) (event, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return event{}, fmt.Errorf("encoding event: %w", err)
	}
	sum := sha256.Sum256(data)
	return event{id: hex.EncodeToString(sum[:8]), data: data}, nil
}

// eventStream writes Server-Sent Events (text/event-stream, as the HTML
// standard defines them) to one client.
type eventStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	// writeWait bounds each write: a client that stops reading is let go.
	writeWait time.Duration
}

// startEventStream sends the stream's headers and the reconnection delay.
//
// http.Server's WriteTimeout, meant for answers, would cut a stream: every
// write of a stream sets a deadline of its own instead (write). Its
// ReadTimeout needs nothing: once a request is read, net/http clears the
// read deadline while the handler runs.
func startEventStream(w http.ResponseWriter, retry time.Duration) (*eventStream, error) {
	es := &eventStream{w: w, rc: http.NewResponseController(w), writeWait: 10 * time.Second}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// Proxies that buffer answers (nginx) would hold events back.
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return es, es.write(fmt.Sprintf("retry: %d\n\n", retry.Milliseconds()))
}

// send writes one event. The data is JSON from encoding/json, which has no
// line breaks, so it fits one data line.
func (es *eventStream) send(e event) error {
	return es.write("id: " + e.id + "\ndata: " + string(e.data) + "\n\n")
}

// heartbeat writes a comment, which clients ignore: it keeps idle proxies
// from closing the connection and finds clients that have gone.
func (es *eventStream) heartbeat() error {
	return es.write(": heartbeat\n\n")
}

func (es *eventStream) write(frame string) error {
	// A writer without deadlines (a test's recorder) has no timeout to
	// lift, and on a broken connection the write below fails anyway.
	_ = es.rc.SetWriteDeadline(time.Now().Add(es.writeWait))
	if _, err := io.WriteString(es.w, frame); err != nil {
		return fmt.Errorf("writing event: %w", err)
	}
	if err := es.rc.Flush(); err != nil {
		return fmt.Errorf("flushing event: %w", err)
	}
	return nil
}
