package iostreams

import (
	"fmt"
	"sync"
	"time"
)

// Progress draws "label done/total" on stderr, but only on a terminal and only
// once the work has taken longer than a second, so quick runs stay quiet.
type Progress struct {
	s           *IOStreams
	label       string
	mu          sync.Mutex
	done, total int
	drawn       bool
	stop        chan struct{}
	wg          sync.WaitGroup
}

// StartProgress begins a progress indicator; Stop must be called.
func (s *IOStreams) StartProgress(label string) *Progress {
	p := &Progress{s: s, label: label, stop: make(chan struct{})}
	if !s.stderrTTY {
		return p
	}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *Progress) loop() {
	defer p.wg.Done()
	delay := time.NewTimer(time.Second)
	defer delay.Stop()
	select {
	case <-p.stop:
		return
	case <-delay.C:
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	for i := 0; ; i++ {
		p.mu.Lock()
		fmt.Fprintf(p.s.ErrOut, "\r\x1b[K%s %s %d/%d", frames[i%len(frames)], p.label, p.done, p.total)
		p.drawn = true
		p.mu.Unlock()
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
	}
}

// Update records progress.
func (p *Progress) Update(done, total int) {
	p.mu.Lock()
	p.done, p.total = done, total
	p.mu.Unlock()
}

// Stop ends the indicator and clears its line.
func (p *Progress) Stop() {
	select {
	case <-p.stop:
		return
	default:
		close(p.stop)
	}
	p.wg.Wait()
	if p.drawn {
		fmt.Fprint(p.s.ErrOut, "\r\x1b[K")
	}
}
