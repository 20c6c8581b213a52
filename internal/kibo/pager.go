package kibo

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// DefaultConcurrency is how many pages a listing fetches at once.
const DefaultConcurrency = 8

// maxRequeues bounds how often one page is asked again after Kibo kept
// answering 429 through every retry of the transport.
const maxRequeues = 6

// collect fetches a collection. The first page reveals totalCount; the rest
// are fetched concurrently (p.Concurrency at most, fewer after a 429) and
// assembled in order. filter selects client-side; the limit counts selected items.
func collect[T any](ctx context.Context, c *Client, path string, p ListParams, filter func(T) bool) (List[T], error) {
	return collectEmit(ctx, c, path, p, filter, nil)
}

// collectEmit is collect that, when emit is set, hands over each page's
// selected items in order as soon as every page before it has arrived, and
// holds none: a long listing is written while it is fetched, and memory stays
// bounded.
func collectEmit[T any](ctx context.Context, c *Client, path string, p ListParams, filter func(T) bool, emit func([]T) error) (List[T], error) {
	size := firstPageSize(p, filter != nil)
	th := newThrottle(DefaultConcurrency)
	if p.Concurrency > 0 {
		th = newThrottle(p.Concurrency)
	}
	ctx = WithRetryObserver(ctx, func(r RetryInfo) {
		if r.Status == http.StatusTooManyRequests {
			th.slowDown()
		}
	})
	first, err := fetchWithRequeue[T](ctx, c, path, p, 0, size, th)
	if err != nil {
		return List[T]{}, err
	}
	want := first.TotalCount
	if p.Limit > 0 && filter == nil {
		want = min(want, p.Limit)
	}
	// A server that caps pageSize below what we asked shows it in the first page.
	step := size
	if n := len(first.Items); n > 0 && n < size && n < want {
		step = n
	}
	var offsets []int
	if len(first.Items) > 0 {
		for off := step; off < want; off += step {
			offsets = append(offsets, off)
		}
	}
	pages := make([][]T, len(offsets)+1)
	pages[0] = first.Items
	done := len(first.Items)
	if p.OnProgress != nil {
		p.OnProgress(min(done, want), want)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out *emitter[T]
	if emit != nil {
		out = &emitter[T]{pages: pages, arrived: make([]bool, len(pages)), filter: filter, limit: p.Limit, emit: emit, stop: cancel}
		if err := out.arrive(0); err != nil {
			return List[T]{TotalCount: first.TotalCount}, err
		}
	}
	if err := fetchRest(ctx, c, path, p, offsets, step, want, pages, done, th, out); err != nil {
		if out != nil && out.err != nil {
			return List[T]{TotalCount: first.TotalCount}, out.err
		}
		if out != nil && out.full() {
			return List[T]{TotalCount: first.TotalCount}, nil // stopped on purpose at the limit
		}
		return List[T]{}, err
	}
	if out != nil {
		return List[T]{TotalCount: first.TotalCount}, nil
	}
	return assemble(pages, filter, p.Limit, first.TotalCount), nil
}

func firstPageSize(p ListParams, filtered bool) int {
	if p.PageSize > 0 {
		return min(p.PageSize, MaxPageSize)
	}
	if p.Limit > 0 && !filtered {
		return min(p.Limit, MaxPageSize)
	}
	return MaxPageSize
}

func assemble[T any](pages [][]T, filter func(T) bool, limit, total int) List[T] {
	out := List[T]{TotalCount: total, Items: []T{}}
	for _, page := range pages {
		for _, it := range page {
			if filter != nil && !filter(it) {
				continue
			}
			out.Items = append(out.Items, it)
			if limit > 0 && len(out.Items) >= limit {
				return out
			}
		}
	}
	return out
}

// fetchRest fetches pages[1:] at the given offsets with a bounded pool.
func fetchRest[T any](ctx context.Context, c *Client, path string, p ListParams, offsets []int, step, want int, pages [][]T, done int, th *throttle, out *emitter[T]) error {
	if len(offsets) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	jobs := make(chan int, len(offsets))
	for i := range offsets {
		jobs <- i
	}
	close(jobs)
	worker := func() {
		defer wg.Done()
		for i := range jobs {
			size := step
			if p.Limit > 0 {
				size = min(step, want-offsets[i]) // ask for no more than the limit needs
			}
			page, err := fetchWithRequeue[T](ctx, c, path, p, offsets[i], size, th)
			items := page.Items
			mu.Lock()
			if err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
			pages[i+1] = items
			done += len(items)
			if p.OnProgress != nil && err == nil {
				p.OnProgress(min(done, want), want)
			}
			if out != nil && err == nil {
				if eerr := out.arrive(i + 1); eerr != nil && firstErr == nil {
					firstErr = eerr
					cancel()
				}
			}
			mu.Unlock()
		}
	}
	for range min(th.max, len(offsets)) {
		wg.Add(1)
		go worker()
	}
	wg.Wait()
	return firstErr
}

func fetchWithRequeue[T any](ctx context.Context, c *Client, path string, p ListParams, off, size int, th *throttle) (Collection[T], error) {
	for attempt := 0; ; attempt++ {
		if err := th.acquire(ctx); err != nil {
			return Collection[T]{}, err
		}
		page, err := FetchPage[T](ctx, c, path, p, off, size)
		th.release()
		var apiErr *APIError
		if err != nil && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests && attempt < maxRequeues {
			th.slowDown()
			wait := apiErr.RetryAfter
			if wait <= 0 {
				wait = jittered(attempt + 1)
			}
			if err := c.opts.Sleep(ctx, wait); err != nil {
				return Collection[T]{}, err
			}
			continue
		}
		return page, err
	}
}

// throttle bounds requests in flight; a 429 halves the bound for the rest of
// the fetch, so the whole listing backs off instead of failing.
type throttle struct {
	mu       sync.Mutex
	max      int
	limit    int
	inflight int
	changed  chan struct{}
}

func newThrottle(n int) *throttle {
	return &throttle{max: n, limit: n, changed: make(chan struct{})}
}

func (t *throttle) acquire(ctx context.Context) error {
	for {
		t.mu.Lock()
		if t.inflight < t.limit {
			t.inflight++
			t.mu.Unlock()
			return nil
		}
		ch := t.changed
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (t *throttle) release() {
	t.mu.Lock()
	t.inflight--
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
}

func (t *throttle) slowDown() {
	t.mu.Lock()
	t.limit = max(1, t.limit/2)
	t.mu.Unlock()
}

// Limit is the current bound (for tests and progress).
func (t *throttle) Limit() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limit
}

type retryObserverKey struct{}

// WithRetryObserver returns a context whose requests report their retries to fn.
func WithRetryObserver(ctx context.Context, fn func(RetryInfo)) context.Context {
	if prev, ok := ctx.Value(retryObserverKey{}).(func(RetryInfo)); ok {
		next := fn
		fn = func(r RetryInfo) { prev(r); next(r) }
	}
	return context.WithValue(ctx, retryObserverKey{}, fn)
}

func retryObserver(ctx context.Context) func(RetryInfo) {
	fn, _ := ctx.Value(retryObserverKey{}).(func(RetryInfo))
	return fn
}

// emitter hands pages to emit in order; calls are serialised by fetchRest's
// lock, so a slow writer holds the fetch back instead of piling pages up.
type emitter[T any] struct {
	pages   [][]T
	arrived []bool
	next    int
	filter  func(T) bool
	limit   int
	sent    int
	emit    func([]T) error
	stop    context.CancelFunc
	err     error
}

func (e *emitter[T]) full() bool { return e.limit > 0 && e.sent >= e.limit }

// arrive records page i and emits every page now contiguous with the last.
func (e *emitter[T]) arrive(i int) error {
	e.arrived[i] = true
	for e.next < len(e.pages) && e.arrived[e.next] && !e.full() {
		var batch []T
		for _, it := range e.pages[e.next] {
			if e.filter != nil && !e.filter(it) {
				continue
			}
			batch = append(batch, it)
			if e.limit > 0 && e.sent+len(batch) >= e.limit {
				break
			}
		}
		e.pages[e.next] = nil // emitted: let it go
		e.next++
		if len(batch) == 0 {
			continue
		}
		e.sent += len(batch)
		if err := e.emit(batch); err != nil {
			e.err = err
			e.stop()
			return err
		}
	}
	if e.full() {
		e.stop() // nothing more is wanted
	}
	return nil
}
