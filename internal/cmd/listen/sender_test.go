package listen_test

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// kiboSender plays Kibo for the kill tests: signed pushes of fresh event
// ids over a few topics, each sent again until it got a 200.
type kiboSender struct {
	t        *testing.T
	eventIDs []string
	topics   []string
	client   *http.Client
	acked    sync.Map // event id → true once answered 200
	nAcked   atomic.Int64
}

func newKiboSender(t *testing.T, total int, topics []string, timeout time.Duration) *kiboSender {
	s := &kiboSender{t: t, eventIDs: make([]string, total), topics: topics, client: &http.Client{Timeout: timeout}}
	for i := range s.eventIDs {
		s.eventIDs[i] = webhook.NewEventID()
	}
	return s
}

// send sends the events not yet acknowledged, 8 at a time, event i to
// urls[i%len(urls)], calling onAck after each 200. A receiver that is gone
// gets no answer: Kibo retries later (the next send).
func (s *kiboSender) send(urls []string, onAck func()) {
	ids := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range ids {
				if s.push(urls[i%len(urls)], i) {
					s.acked.Store(s.eventIDs[i], true)
					s.nAcked.Add(1)
					onAck()
				}
			}
		})
	}
	for i := range s.eventIDs {
		if _, done := s.acked.Load(s.eventIDs[i]); !done {
			ids <- i
		}
	}
	close(ids)
	wg.Wait()
}

// push sends event i once: true when it was answered 200.
func (s *kiboSender) push(url string, i int) bool {
	body, hdr := signedPush(s.t, s.eventIDs[i], s.topics[i%len(s.topics)], fmt.Sprint(i))
	req, _ := http.NewRequest(http.MethodPost, url, bytesReader(body))
	req.Header = hdr
	resp, err := s.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
