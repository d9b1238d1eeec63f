package benchkit

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress draws a one-line progress bar, redrawn in place: how much of a
// run is done and what it has counted so far. It is for a person watching;
// a write that fails is not worth stopping a run for.
type Progress struct {
	w     io.Writer
	label string
	total int

	mu   sync.Mutex
	last time.Time
}

// NewProgress draws on w (a terminal, usually stderr) for a run of total
// steps.
func NewProgress(w io.Writer, label string, total int) *Progress {
	return &Progress{w: w, label: label, total: max(total, 1)}
}

// redraw is how often Update draws at most.
const redraw = 200 * time.Millisecond

// Update redraws the bar at done steps, with a note after it, at most
// every 200 ms.
func (p *Progress) Update(done int, note string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < redraw {
		return
	}
	p.last = time.Now()
	p.draw(done, note)
}

// Done draws the bar a last time and ends its line.
func (p *Progress) Done(done int, note string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(done, note)
	_, _ = fmt.Fprintln(p.w)
}

const progressWidth = 30

func (p *Progress) draw(done int, note string) {
	filled := min(progressWidth, done*progressWidth/p.total)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", progressWidth-filled)
	_, _ = fmt.Fprintf(p.w, "\r%s [%s] %3d%% %s\033[K", p.label, bar, min(100, done*100/p.total), note)
}
