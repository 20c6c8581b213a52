package doctor

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
)

// Setting is one resolved setting and where its value came from.
type Setting struct {
	Key    string // "client id", "tenant", ...
	Value  string // never the secret itself
	Source string // "flag --tenant", "env KIBO_TENANT", "file", "default", "" when unset
	// IfUnset says what happens without a value ("looked up from the tenant").
	IfUnset string
}

// Settings are the profile in use, already resolved by the caller.
type Settings struct {
	Profile   string
	ClientID  string
	HasSecret bool
	Tenant    string
	Site      string
	AuthHost  string
	APIHost   string
	// Sources lists every setting in display order with its origin.
	Sources []Setting
}

// Doctor holds what the checks need and what earlier checks learned.
// Only Settings is required; the rest have working defaults.
type Doctor struct {
	Settings Settings
	// Client talks to Kibo; ClientErr says why there is none (no credentials).
	Client    *kibo.Client
	ClientErr error
	// Secret signs --probe pushes.
	Secret string

	// SubscriptionIDs limits the subscription checks to these (id, prefix or
	// the short form tables print); empty means every subscription.
	SubscriptionIDs []string
	// MatchID decides whether a typed name means a subscription id; nil
	// means a case-insensitive prefix.
	MatchID func(id, typed string) bool
	Probe   bool
	// ProbeTimeout is how long a probe waits for an answer: Kibo's 45 s
	// unless a test shortens it.
	ProbeTimeout   time.Duration
	ProbeTransport http.RoundTripper
	// Listener finds a running kwh listen; nil means none is looked for.
	Listener ListenerFinder
	// ListenRequired is --listen: report a missing listener as a failure.
	ListenRequired bool

	LookupHost func(ctx context.Context, host string) ([]string, error)
	Now        func() time.Time

	// Learnt by the checks, for later ones.
	mu         sync.Mutex
	serverDate time.Time // the auth host's Date header
	localDate  time.Time // this machine's clock at that moment
	apiBase    string
	subsOnce   sync.Once
	subs       []kibo.EventSubscription
	unknownIDs []string
	subsErr    error
}

func (d *Doctor) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Doctor) lookupHost(ctx context.Context, host string) ([]string, error) {
	if d.LookupHost != nil {
		return d.LookupHost(ctx, host)
	}
	return net.DefaultResolver.LookupHost(ctx, host)
}

func (d *Doctor) probeTimeout() time.Duration {
	if d.ProbeTimeout > 0 {
		return d.ProbeTimeout
	}
	return kibo.PushTimeout
}

// Checks is kwh doctor's checklist, in the order it runs.
func Checks() []Check {
	return []Check{
		{Name: "settings", Run: checkSettings},
		{Name: "credentials", Needs: []string{"settings"}, Run: checkCredentials},
		{Name: "clock", Needs: []string{"credentials"}, Run: checkClock},
		{Name: "tenant", Needs: []string{"credentials"}, Run: checkTenant},
		{Name: "subscription", Needs: []string{"tenant"}, Run: checkSubscriptions},
		// The checks below look at each subscription whatever its state: an
		// inactive one is exactly when its endpoint and dead letters matter.
		{Name: "topics", Needs: []string{"tenant"}, Run: checkTopics},
		{Name: "endpoint", Needs: []string{"tenant"}, Run: checkEndpoints},
		{Name: "reachability", Needs: []string{"tenant"}, Run: checkReachability},
		{Name: "probe", Needs: []string{"tenant"}, Applies: func(d *Doctor) bool { return d.Probe }, Run: checkProbe},
		{Name: "dead-letters", Needs: []string{"tenant"}, Run: checkDeadLetters},
		{Name: "pull-queue", Needs: []string{"tenant"}, Run: checkPullQueue},
		{Name: "listener", Applies: func(d *Doctor) bool { return d.Listener != nil }, Run: checkListener},
	}
}
