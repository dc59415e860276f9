package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress shows what a long run is doing on one line of standard error:
// nothing for the first delay (most runs end before), then the current
// stage, rewritten in place every tick. It is only started when standard
// error is a terminal and neither -q nor -v is given; stop erases the line.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	stage   string
	shown   bool // a line is on the terminal
	stopped bool
	done    chan struct{}
	once    sync.Once
}

const progressTick = 200 * time.Millisecond

// progressEnabled decides whether a check shows the progress line: only
// on a terminal, and not with -q (nothing but findings) or -v (whose log
// lines it would overwrite).
func progressEnabled(stderr io.Writer, quiet, verbose bool) bool {
	return !quiet && !verbose && isTerminal(stderr)
}

// startProgress returns a progress line on w that appears after delay; with
// enabled false it does nothing.
func startProgress(w io.Writer, enabled bool, delay time.Duration) *progress {
	p := &progress{w: w, done: make(chan struct{})}
	if !enabled {
		p.stopped = true
		return p
	}
	go p.loop(delay)
	return p
}

func (p *progress) loop(delay time.Duration) {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-p.done:
		return
	case <-timer.C:
	}
	tick := time.NewTicker(progressTick)
	defer tick.Stop()
	start := time.Now().Add(-delay)
	for {
		p.draw(time.Since(start))
		select {
		case <-p.done:
			return
		case <-tick.C:
		}
	}
}

// draw writes the line: carriage return, "djleak: STAGE… (Ns)", erase to
// the end of the line.
func (p *progress) draw(elapsed time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	fmt.Fprintf(p.w, "\rdjleak: %s… (%ds)\x1b[K", p.stage, int(elapsed.Seconds()))
	p.shown = true
}

// set names the current stage.
func (p *progress) set(stage string) {
	p.mu.Lock()
	p.stage = stage
	p.mu.Unlock()
}

// stop ends the progress line and erases it; it may be called more than
// once.
func (p *progress) stop() {
	p.once.Do(func() {
		close(p.done)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.shown {
			fmt.Fprint(p.w, "\r\x1b[K")
		}
		p.stopped = true
	})
}
