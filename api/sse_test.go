package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sseFrame is one blank-line-terminated block of a text/event-stream: an
// event when it has data, else a heartbeat comment or the retry field.
type sseFrame struct {
	id, data, retry string
	comment         bool
}

// readFrame reads the next frame; io.EOF when the stream has ended.
func readFrame(r *bufio.Reader) (sseFrame, error) {
	var f sseFrame
	started := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && started {
				err = io.ErrUnexpectedEOF
			}
			return f, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if started {
				return f, nil
			}
			continue
		}
		started = true
		if strings.HasPrefix(line, ":") {
			f.comment = true
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			f.id = value
		case "data":
			f.data = value
		case "retry":
			f.retry = value
		}
	}
}

// parseEvents returns the events (frames with data) of a whole stream.
func parseEvents(t testing.TB, stream string) []sseFrame {
	t.Helper()
	r := bufio.NewReader(strings.NewReader(stream))
	var events []sseFrame
	for {
		f, err := readFrame(r)
		if errors.Is(err, io.EOF) {
			return events
		}
		require.NoError(t, err, "stream %q", stream)
		if f.data != "" {
			events = append(events, f)
		}
	}
}

// eventOf is the event the API sends for v.
func eventOf(t testing.TB, v any) event {
	t.Helper()
	ev, err := newEvent(v)
	require.NoError(t, err)
	return ev
}

// liveStream is a stream read as it arrives, from a real HTTP server.
type liveStream struct {
	res *http.Response
	// frames is closed when the stream ends, with err saying how.
	frames chan sseFrame
	err    error
}

// openStream GETs target on srv with the token in the query, as the page's
// EventSource does, and header added.
func openStream(t *testing.T, srv *httptest.Server, target, token string, header http.Header) *liveStream {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+target, nil)
	require.NoError(t, err)
	if token != "" {
		q := req.URL.Query()
		q.Set(accessTokenParam, token)
		req.URL.RawQuery = q.Encode()
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	s := &liveStream{res: res, frames: make(chan sseFrame, 100)}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK {
		return s
	}
	go func() {
		r := bufio.NewReader(res.Body)
		for {
			f, err := readFrame(r)
			if err != nil {
				s.err = err
				close(s.frames)
				return
			}
			s.frames <- f
		}
	}()
	return s
}

// next returns the next event, skipping heartbeats and the retry field.
func (s *liveStream) next(t *testing.T) sseFrame {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				t.Fatalf("the stream ended (%v) before the next event", s.err)
			}
			if f.data != "" {
				return f
			}
		case <-timeout:
			t.Fatal("no event within 5s")
		}
	}
}

// nextOrder returns the order of the next event.
func (s *liveStream) nextOrder(t *testing.T) orderResponse {
	t.Helper()
	var o orderResponse
	require.NoError(t, json.Unmarshal([]byte(s.next(t).data), &o))
	return o
}

// end waits for the stream to end, and fails on any event before.
func (s *liveStream) end(t *testing.T) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				require.ErrorIs(t, s.err, io.EOF)
				return
			}
			require.Empty(t, f.data, "an event after the last: %+v", f)
		case <-timeout:
			t.Fatal("the stream did not end within 5s")
		}
	}
}
