// Package replay redelivers events Kibo gave up on: it signs each push body
// as Kibo does and POSTs it, with bounded concurrency, an optional rate, and a
// ledger so reruns skip what already succeeded. It never imports cobra, viper
// or the terminal.
package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/store/ledger"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Item is one delivery to replay.
type Item struct {
	Key            string // ledger key: target, subscription and process
	SubscriptionID string
	ProcessID      int32
	URL            string
	EventID        string
	Topic          string
	Body           []byte
	Context        webhook.Context
}

// Key is the ledger key of a delivery replayed to url.
func Key(url, subscriptionID string, processID int32) string {
	return fmt.Sprintf("%s|%s|%d", url, subscriptionID, processID)
}

// NewItem builds the item for a delivery's event sent to url.
func NewItem(subscriptionID string, processID int32, url string, push webhook.Push, c webhook.Context) Item {
	return Item{
		Key:            Key(url, subscriptionID, processID),
		SubscriptionID: subscriptionID, ProcessID: processID, URL: url,
		EventID: push.EventID, Topic: push.Topic, Body: push.Marshal(), Context: c,
	}
}

// Options tune a replay.
type Options struct {
	Secret      string
	Concurrency int           // default 4
	Rate        float64       // requests per second; 0 is unlimited
	Timeout     time.Duration // per request; default 45 s
	Force       bool          // resend even what the ledger says was delivered
	Ledger      ledger.Ledger // may be nil
	Transport   http.RoundTripper
	Now         func() time.Time
	OnResult    func(Result) // called from workers, one at a time
}

// Result is the outcome of one item.
type Result struct {
	Item      Item
	Status    int
	Err       error
	Latency   time.Duration
	Skipped   bool // the ledger says it was already delivered
	Delivered bool
}

// Summary counts a run's results.
type Summary struct {
	Delivered, Failed, Skipped int
}

// Run replays items. It stops starting new requests when ctx ends; what was
// answered is in the ledger, so running it again finishes the job.
func Run(ctx context.Context, items []Item, o Options) (Summary, error) {
	defaults(&o)
	client := webhook.PushClient(o.Timeout, o.Transport)
	var limiter *rate.Limiter
	if o.Rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(o.Rate), 1)
	}
	var (
		mu  sync.Mutex
		sum Summary
		wg  sync.WaitGroup
	)
	report := func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Skipped:
			sum.Skipped++
		case r.Delivered:
			sum.Delivered++
		default:
			sum.Failed++
		}
		if o.OnResult != nil {
			o.OnResult(r)
		}
	}
	jobs := make(chan Item)
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				if r, ok := send(ctx, client, limiter, it, o); ok {
					report(r)
				}
			}
		}()
	}
	var ledgerErr error
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		if !o.Force && o.Ledger != nil {
			prev, found, err := o.Ledger.Get(it.Key)
			if err != nil {
				ledgerErr = err
				break
			}
			if found && prev.Delivered {
				report(Result{Item: it, Skipped: true, Status: prev.Status})
				continue
			}
		}
		select {
		case jobs <- it:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if ledgerErr != nil {
		return sum, ledgerErr
	}
	return sum, ctx.Err()
}

func defaults(o *Options) {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = kibo.PushTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// send posts one item and records the answer. ok is false when the run was
// interrupted before an answer came: nothing is known, nothing is recorded.
func send(ctx context.Context, client *http.Client, limiter *rate.Limiter, it Item, o Options) (Result, bool) {
	if limiter != nil {
		if err := limiter.Wait(ctx); err != nil {
			return Result{}, false
		}
	}
	r := Result{Item: it}
	r.Status, r.Latency, r.Err = Deliver(ctx, client, it.URL, o.Secret, it.Context, it.Body, o.Now())
	if r.Err != nil && ctx.Err() != nil && errors.Is(r.Err, context.Canceled) {
		return Result{}, false
	}
	r.Delivered = r.Err == nil && kibo.PushAccepted(r.Status)
	if r.Err == nil && !r.Delivered {
		r.Err = fmt.Errorf("answered %s", kibo.PushRefusal(r.Status))
	}
	if o.Ledger != nil {
		out := ledger.Outcome{Key: it.Key, EventID: it.EventID, URL: it.URL, Delivered: r.Delivered, Status: r.Status, At: o.Now()}
		if r.Err != nil {
			out.Error = r.Err.Error()
		}
		if err := o.Ledger.Record(out); err != nil && r.Err == nil {
			r.Err = fmt.Errorf("delivered, but the ledger could not record it: %w", err)
		}
	}
	return r, true
}

// Deliver POSTs a push body with the headers Kibo sends, signed with secret
// when there is one (an empty secret sends it unsigned), and reports the
// answer's status and how long it took.
func Deliver(ctx context.Context, client *http.Client, url, secret string, c webhook.Context, body []byte, now time.Time) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header = webhook.SignedHeaders(secret, c, body, now)
	start := time.Now()
	resp, err := client.Do(req)
	latency := time.Since(start)
	if err != nil {
		return 0, latency, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, latency, nil
}
