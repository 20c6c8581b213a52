package inspector_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/netutil/netutiltest"
)

// stepBound keeps a hung browser from hanging the test run; nothing is
// timed against it.
const stepBound = 60 * time.Second

// chromiumPath finds Chromium. Outside CI a missing one skips the browser
// tests saying how to install it; in CI (CI=true) it fails them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium on PATH for the browser tests: install it (Debian/Ubuntu: apt-get install -y chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and nothing that
// reaches the network by itself.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// do runs browser steps, bounded.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepBound)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepBound)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// poll waits until a JavaScript condition holds, re-checking it on every DOM
// change. (chromedp.Poll builds its predicate with new Function, which the
// page's Content-Security-Policy rightly refuses.)
func poll(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	run(t, ctx, chromedp.Evaluate[bool](`new Promise((resolve) => {
		const holds = () => { try { return Boolean(`+cond+`); } catch { return false; } };
		const obs = new MutationObserver(() => { if (holds()) { obs.disconnect(); resolve(true); } });
		obs.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
		if (holds()) { obs.disconnect(); resolve(true); }
	})`, chromedp.EvalAwaitPromise))
}

// listenSession is a real kwh listen (in-process, as the CLI runs it) with
// an app that records what reaches it.
type listenSession struct {
	h       *apptest.Harness
	ready   listen.Event
	app     *recordingApp
	store   string
	running *apptest.Running
}

// recordingApp is the developer's app: it keeps every body and answers 200.
type recordingApp struct {
	mu      sync.Mutex
	bodies  []string
	changed chan struct{}
}

func (a *recordingApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.bodies = append(a.bodies, string(b))
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

// waitCount waits until n bodies holding s reached the app.
func (a *recordingApp) waitCount(t *testing.T, s string, n int) {
	t.Helper()
	bound := time.After(stepBound)
	for {
		a.mu.Lock()
		got := 0
		for _, b := range a.bodies {
			if strings.Contains(b, s) {
				got++
			}
		}
		a.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-a.changed:
		case <-bound:
			t.Fatalf("the app got %d bodies holding %s, want %d", got, s, n)
		}
	}
}

func startListen(t *testing.T) *listenSession {
	t.Helper()
	h := apptest.New(t, apptest.Seed(t))
	rec := &recordingApp{changed: make(chan struct{}, 1)}
	app := httptest.NewServer(rec)
	t.Cleanup(app.Close)
	dir := t.TempDir()
	r := h.Start("listen", "--port", "0", "-o", "ndjson", "--store", dir, "--forward", app.URL,
		"--route", "shipment.*="+netutiltest.RefusedURL(t), "--retry-min", "1h")
	t.Cleanup(func() { r.Stop() })
	for {
		var e listen.Event
		if err := json.Unmarshal([]byte(r.Next()), &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind == listen.KindReady {
			return &listenSession{h: h, ready: e, app: rec, store: dir, running: r}
		}
	}
}

// send pushes a signed event to kwh listen with kwh send.
func (s *listenSession) send(t *testing.T, args ...string) {
	t.Helper()
	res := s.h.Run(append([]string{"send"}, append(args, "--to", s.ready.URL)...)...)
	if res.Code != 0 {
		t.Fatalf("kwh send %v: exit %d: %s", args, res.Code, res.Stderr)
	}
}

// screenshots is where the browser test leaves its screenshots for review.
func screenshots(t *testing.T) string {
	dir := os.Getenv("KWH_SCREENSHOTS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "kwh-inspector-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shoot saves a full-page screenshot at a width, in light or dark mode.
func shoot(t *testing.T, ctx context.Context, dir, name string, width int64, dark bool) string {
	t.Helper()
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	do(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	}))
	png := run(t, ctx, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
	return path
}

// TestInspectorInABrowser drives headless Chromium against a real kwh listen.
func TestInspectorInABrowser(t *testing.T) {
	ctx := newBrowser(t)
	s := startListen(t)
	var dialogs atomic.Int32
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	s.send(t, "order.opened", "--entity-id", "ORD-1001")
	s.send(t, "shipment.statuschanged", "--entity-id", "SHP-77")
	s.send(t, "order.updated", "--entity-id", "ORD-1002", "--duplicate", "1")
	s.app.waitCount(t, `"entityId":"ORD-1001"`, 1)
	out := screenshots(t)
	base, _, _ := strings.Cut(s.ready.Inspector, "?")

	t.Run("the page loads", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(s.ready.Inspector), chromedp.WaitVisible(chromedp.CSS(`#live[data-state="on"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#rows .row[data-entity="SHP-77"]`)))
		if loc := run(t, ctx, chromedp.Location()); strings.Contains(loc, "token") {
			t.Fatalf("the address bar keeps the token: %s", loc)
		}
		poll(t, ctx, `document.querySelector('#rows .row[data-entity="ORD-1002"] .dup')?.textContent === '×1'`)
		poll(t, ctx, `document.querySelector('#rows .row[data-entity="SHP-77"] .s-pending')?.textContent.includes('next try')`)
	})

	t.Run("an event pushed after load appears without reload", func(t *testing.T) {
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.kwhLoadedOnce = true`))
		at := time.Now()
		s.send(t, "order.closed", "--entity-id", "ORD-2002")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#rows .row[data-entity="ORD-2002"]`)))
		t.Logf("the row appeared %s after kwh send returned", time.Since(at).Round(time.Millisecond))
		if !run(t, ctx, chromedp.Evaluate[bool](`window.kwhLoadedOnce === true`)) {
			t.Fatal("the page was reloaded")
		}
	})

	t.Run("filter and keyboard", func(t *testing.T) {
		do(t, ctx, chromedp.SendKeys(chromedp.ID("f-topic"), "shipment.*"))
		poll(t, ctx, `[...document.querySelectorAll('#rows .row')].every(r => r.hidden === !r.dataset.topic.startsWith('shipment.'))`)
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => { const f = document.getElementById('f-topic'); f.value = ''; f.dispatchEvent(new Event('input')); f.blur(); })()`))
		poll(t, ctx, `[...document.querySelectorAll('#rows .row')].every(r => !r.hidden)`)
		do(t, ctx, chromedp.KeyEvent("j"), chromedp.KeyEvent("j"))
		href := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.classList.contains('row') ? document.activeElement.href : ''`))
		if href != run(t, ctx, chromedp.Evaluate[string](`document.querySelectorAll('#rows .row')[1].href`)) {
			t.Fatalf("j j focuses %q, want the second row", href)
		}
		shoot(t, ctx, out, "list-1280", 1280, false)
		shoot(t, ctx, out, "list-1280-dark", 1280, true)
		shoot(t, ctx, out, "list-390", 390, false)
		do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("signature")))
		if loc := run(t, ctx, chromedp.Location()); loc != href {
			t.Fatalf("Enter opened %s, want %s", loc, href)
		}
	})

	t.Run("one event: headers, pretty body, signature", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(base), chromedp.Click(chromedp.CSS(`#rows .row[data-entity="ORD-1001"]`)), chromedp.WaitVisible(chromedp.ID("signature")))
		headers := run(t, ctx, chromedp.Text(chromedp.ID("headers")))
		for _, h := range []string{"X-Vol-Hmac-Sha256", "Date", "Content-Type"} {
			if !strings.Contains(headers, h) {
				t.Errorf("headers lack %s: %s", h, headers)
			}
		}
		if body := run(t, ctx, chromedp.TextContent(chromedp.ID("body-pretty"))); !strings.Contains(body, "\n  \"topic\": \"order.opened\"") {
			t.Errorf("pretty body: %s", body)
		}
		if v := run(t, ctx, chromedp.Text(chromedp.CSS("#signature .verdict"))); v != "valid" {
			t.Errorf("signature verdict %q", v)
		}
		shoot(t, ctx, out, "detail-1280", 1280, false)
		shoot(t, ctx, out, "detail-1280-dark", 1280, true)
		shoot(t, ctx, out, "detail-390", 390, false)
	})

	t.Run("re-forward delivers the event to the app again", func(t *testing.T) {
		do(t, ctx, chromedp.Click(chromedp.ID("reforward")), chromedp.WaitVisible(chromedp.CSS("#reforward-result.ok")))
		s.app.waitCount(t, `"entityId":"ORD-1001"`, 2)
	})

	t.Run("an open event follows the engine without reload", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(base), chromedp.Click(chromedp.CSS(`#rows .row[data-entity="ORD-1002"]`)), chromedp.WaitVisible(chromedp.ID("signature")))
		if d := run(t, ctx, chromedp.Text(chromedp.ID("dups"))); d != "1" {
			t.Fatalf("duplicates %q, want 1", d)
		}
		body := filepath.Join(t.TempDir(), "again.json") // Kibo's redelivery: the same eventId
		if err := os.WriteFile(body, []byte(run(t, ctx, chromedp.TextContent(chromedp.ID("body-raw")))), 0o600); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.kwhLoadedOnce = true`))
		s.send(t, "order.updated", "--data", body)
		poll(t, ctx, `document.getElementById('dups').textContent === '2' && !document.getElementById('stale').hidden`)
		if !run(t, ctx, chromedp.Evaluate[bool](`window.kwhLoadedOnce === true`)) {
			t.Fatal("the page was reloaded")
		}
	})

	t.Run("the .http download passes kwh verify --request", func(t *testing.T) {
		dir := t.TempDir()
		progress := chromedp.Events(ctx, browser.DownloadProgress)
		do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true)})
			return err
		}), chromedp.Click(chromedp.ID("download")))
		var file string
		for ev, err := range progress {
			if err != nil {
				t.Fatal(err)
			}
			if ev.State == browser.DownloadProgressStateCompleted {
				file = filepath.Join(dir, ev.GUID)
				break
			}
		}
		// The command the page suggests, with the downloaded file.
		cmd := run(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#actions code')].map(c => c.textContent).find(c => c.startsWith('kwh verify'))`))
		args := strings.Fields(cmd)[1:]
		args[2] = file
		if res := s.h.Run(args...); res.Code != 0 || !strings.Contains(res.Stdout, "result\tvalid") {
			t.Fatalf("%s: exit %d\n%s%s", cmd, res.Code, res.Stdout, res.Stderr)
		}
	})

	t.Run("a body holding <script> executes nothing", func(t *testing.T) {
		xss := filepath.Join(t.TempDir(), "xss.json")
		body := `{"eventId":"9b1f0c52-1d1e-4f44-a0a1-7a5e0e0e0e01","topic":"order.opened","entityId":"<script>alert(1)</script>",` +
			`"extendedProperties":[{"key":"note","value":"</pre><img src=x onerror=alert(2)>"}]}`
		if err := os.WriteFile(xss, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS(`#live[data-state="on"]`)))
		s.send(t, "order.opened", "--data", xss)
		poll(t, ctx, `[...document.querySelectorAll('#rows .row')].some(r => r.dataset.entity === '<script>alert(1)</script>')`)
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#rows .row')].find(r => r.dataset.entity.startsWith('<script>')).click()`),
			chromedp.WaitVisible(chromedp.ID("signature")))
		if raw := run(t, ctx, chromedp.TextContent(chromedp.ID("body-raw"))); !strings.Contains(raw, "<script>alert(1)</script>") {
			t.Fatalf("the raw body does not show the markup as text: %s", raw)
		}
		if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('script').length + document.querySelectorAll('img').length`)); n != 1 {
			t.Fatalf("%d script and img elements, want only the page's own script", n)
		}
		if n := dialogs.Load(); n != 0 {
			t.Fatalf("%d alert dialogs opened", n)
		}
	})

	t.Run("without the token every path is 401 or 404", func(t *testing.T) {
		fresh, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer cancel()
		res, err := chromedp.RunResponse(fresh, chromedp.Navigate(base))
		if err != nil || res.Status != http.StatusUnauthorized {
			t.Fatalf("the page without the token: %v %v", res, err)
		}
		statuses := run(t, fresh, chromedp.Evaluate[map[string]int](`Promise.all(['', 'events/1', 'events/1/request.http', 'api/deliveries', 'api/stream', 'assets/app.js', '?token=wrong']
			.map(p => fetch('`+base+`' + p).then(r => [p, r.status]))).then(Object.fromEntries)`, chromedp.EvalAwaitPromise))
		for p, code := range statuses {
			if code != http.StatusUnauthorized && code != http.StatusNotFound {
				t.Errorf("%q without the token: %d", p, code)
			}
		}
	})

	t.Run("on the public port the inspector's paths are 404", func(t *testing.T) {
		fresh, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer cancel()
		_, token, _ := strings.Cut(s.ready.Inspector, "?token=")
		res, err := chromedp.RunResponse(fresh, chromedp.Navigate(s.ready.URL+listen.InspectorPrefix+"?token="+token))
		if err != nil || res.Status != http.StatusNotFound {
			t.Fatalf("the inspector on the public port: %v %v", res, err)
		}
		statuses := run(t, fresh, chromedp.Evaluate[map[string]int](`Promise.all(['', 'events/1', 'api/deliveries', 'api/stream', 'assets/app.js']
			.map(p => fetch('/inspector/' + p).then(r => [p, r.status]))).then(Object.fromEntries)`, chromedp.EvalAwaitPromise))
		for p, code := range statuses {
			if code != http.StatusNotFound {
				t.Errorf("/inspector/%s on the public port: %d, want 404", p, code)
			}
		}
	})

	t.Run("kwh inbox web serves the stopped store", func(t *testing.T) {
		s.running.Stop()
		web := s.h.Start("inbox", "web", "--store", s.store)
		defer web.Stop()
		do(t, ctx, chromedp.Navigate(web.Next()), chromedp.WaitVisible(chromedp.CSS(`#rows .row[data-entity="ORD-1001"]`)))
		if live := run(t, ctx, chromedp.Text(chromedp.ID("live"))); live != "not receiving" {
			t.Errorf("the live mark says %q over a stopped store", live)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS(`#rows .row[data-entity="ORD-1001"]`)), chromedp.WaitVisible(chromedp.ID("signature")),
			chromedp.Click(chromedp.ID("reforward")), chromedp.WaitVisible(chromedp.CSS("#reforward-result.ok")))
		s.app.waitCount(t, `"entityId":"ORD-1001"`, 3)
	})

	if os.Getenv("KWH_UPDATE_SCREENSHOTS") == "1" {
		// The README's screenshot.
		raw, err := os.ReadFile(filepath.Join(out, "list-1280.png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "inspector.png"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots (1280 and 390 px, light and dark) in %s", out)
}

func ptr[T any](v T) *T { return &v }
