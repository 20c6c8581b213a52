// Package deploy holds the container deployment (compose.yaml, nginx.conf;
// the Dockerfile is at the repository's root). Docker cannot run where kwh is
// developed, so this test reads the files instead: the replicas are real
// `kwh listen` command lines on one shared store, the load balancer reaches
// every replica, and metrics are never published.
package deploy

import (
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	listencmd "github.com/kwh-cli/kwh/internal/cmd/listen"
	"github.com/kwh-cli/kwh/internal/cmdutil/cmdutiltest"
)

type service struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Ports       []string          `yaml:"ports"`
	Expose      []string          `yaml:"expose"`
	Volumes     []string          `yaml:"volumes"`
	Environment map[string]string `yaml:"environment"`
}

type compose struct {
	Services map[string]service `yaml:"services"`
}

// interpolation is compose's ${NAME}, ${NAME:-default} and ${NAME:?error}.
var interpolation = regexp.MustCompile(`\$\{([A-Z_]+)(?::[-?][^}]*)?\}`)

// replica is one kwh listen service as the real command parses it.
type replica struct {
	name, receiver, store, prefix, metrics string
}

func readCompose(t *testing.T) compose {
	t.Helper()
	raw, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

// parseReplica runs a service's command line through kwh listen's own flags
// (up to the point it would start), as the container would.
func parseReplica(t *testing.T, name string, s service) replica {
	t.Helper()
	var args []string
	for _, a := range s.Command[1:] {
		a = interpolation.ReplaceAllStringFunc(a, func(v string) string {
			if strings.HasPrefix(v, "${APP_URL") {
				return "http://app.internal:3000/hooks"
			}
			t.Errorf("%s: %s interpolates %s, which the test does not know", name, a, v)
			return v
		})
		if strings.HasPrefix(a, "--output=") {
			continue // a global flag, not one of listen's
		}
		args = append(args, a)
	}
	o, err := cmdutiltest.Parse(t, listencmd.NewCmdListen, args...)
	if err != nil {
		t.Fatalf("%s: kwh listen %s: %v", name, strings.Join(args, " "), err)
	}
	return replica{name: name, receiver: o.Listen.Addr, store: o.StoreURL, prefix: o.RedisPrefix, metrics: o.MetricsAddr}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%q: %v", addr, err)
	}
	return p
}

// TestComposeRunsReplicasOnOneStoreBehindTheBalancer: deploy/compose.yaml
// has Redis with its append-only file, two or more kwh listen services on
// the same redis:// store and prefix, each on its own port, with metrics on
// a port of their own that no service publishes; the load balancer, the
// only service published, reaches every replica and not their metrics.
func TestComposeRunsReplicasOnOneStoreBehindTheBalancer(t *testing.T) {
	c := readCompose(t)
	var replicas []replica
	var redisName, lbName string
	for name, s := range c.Services {
		switch {
		case len(s.Command) > 0 && s.Command[0] == "listen":
			replicas = append(replicas, parseReplica(t, name, s))
			if v := s.Environment["KIBO_SHARED_SECRET"]; !strings.HasPrefix(v, "${") {
				t.Errorf("%s: the shared secret must come from the environment, not the file", name)
			}
		case strings.HasPrefix(s.Image, "redis:"):
			redisName = name
			if !slices.Contains(s.Command, "--appendonly") || s.Command[slices.Index(s.Command, "--appendonly")+1] != "yes" {
				t.Errorf("redis runs without its append-only file: %v", s.Command)
			}
		case strings.HasPrefix(s.Image, "nginx:"):
			lbName = name
		}
	}
	if redisName == "" || lbName == "" || len(replicas) < 2 {
		t.Fatalf("want redis, a load balancer and two replicas: redis %q, lb %q, %d replicas", redisName, lbName, len(replicas))
	}
	ports := map[string]string{}
	for _, r := range replicas {
		if want := "redis://" + redisName + ":6379/0"; r.store != want || r.prefix != replicas[0].prefix {
			t.Errorf("%s: store %s prefix %s, want every replica on %s prefix %s", r.name, r.store, r.prefix, want, replicas[0].prefix)
		}
		p := port(t, r.receiver)
		if other, dup := ports[p]; dup {
			t.Errorf("%s and %s both receive on port %s", r.name, other, p)
		}
		ports[p] = r.name
		if r.metrics == "" {
			t.Errorf("%s: no --metrics-addr", r.name)
		} else if port(t, r.metrics) == p {
			t.Errorf("%s: metrics on the receiver's port", r.name)
		}
	}
	for name, s := range c.Services {
		if name != lbName && len(s.Ports) > 0 {
			t.Errorf("%s publishes %v: only the load balancer is reachable from outside", name, s.Ports)
		}
	}
	checkBalancer(t, c.Services[lbName], replicas)
}

// checkBalancer: the nginx config the balancer mounts sends to every
// replica's receiver and to nothing else.
func checkBalancer(t *testing.T, lb service, replicas []replica) {
	t.Helper()
	if !slices.ContainsFunc(lb.Volumes, func(v string) bool { return strings.HasPrefix(v, "./nginx.conf:") }) {
		t.Fatalf("the load balancer does not mount ./nginx.conf: %v", lb.Volumes)
	}
	raw, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	upstream := regexp.MustCompile(`upstream\s+(\w+)\s*\{([^}]*)\}`).FindStringSubmatch(string(raw))
	if upstream == nil || !strings.Contains(string(raw), "proxy_pass http://"+upstream[1]+";") {
		t.Fatalf("nginx.conf has no upstream that proxy_pass sends to")
	}
	var servers []string
	for _, m := range regexp.MustCompile(`server\s+([^\s;]+)`).FindAllStringSubmatch(upstream[2], -1) {
		servers = append(servers, m[1])
	}
	var want []string
	for _, r := range replicas {
		want = append(want, r.name+":"+port(t, r.receiver))
		if strings.Contains(string(raw), r.name+":"+port(t, r.metrics)) {
			t.Errorf("nginx.conf reaches %s's metrics", r.name)
		}
	}
	slices.Sort(servers)
	slices.Sort(want)
	if !slices.Equal(servers, want) {
		t.Errorf("nginx upstream servers %v, want every replica's receiver %v", servers, want)
	}
	for _, p := range lb.Ports {
		if _, err := strconv.Atoi(strings.Split(p, ":")[0]); err != nil {
			t.Errorf("load balancer port %q: want HOST_PORT:CONTAINER_PORT", p)
		}
	}
}

// TestDockerfileCopiesTheReleasedBinary: the image is the goreleaser-built
// binary on distroless/static, run as non-root.
func TestDockerfileCopiesTheReleasedBinary(t *testing.T) {
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	for _, want := range []string{"FROM gcr.io/distroless/static", "COPY $TARGETPLATFORM/kwh /usr/bin/kwh", "USER nonroot", `ENTRYPOINT ["/usr/bin/kwh"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
