package config_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

func TestConfigCommands(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	if res := h.Run("config", "get", "site"); res.Code != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, "site is not set: there is no profile") {
		t.Errorf("config get site with no profile: exit %d stdout %q stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	steps := []struct {
		args   []string
		stdin  string
		code   int
		stdout string
	}{
		{[]string{"config", "set", "tenant", "777", "-p", "sandbox"}, "", 0, ""},
		{[]string{"config", "set", "shared_secret", "abc", "-p", "sandbox"}, "", 2, ""},
		{[]string{"config", "set", "shared_secret", "-", "-p", "sandbox"}, "feedfacefeedfacefeedfacefeedface\n", 0, ""},
		{[]string{"config", "set", "colour", "red"}, "", 2, ""},
		{[]string{"config", "use", "nope"}, "", 2, ""},
		{[]string{"config", "use", "sandbox"}, "", 0, ""},
		{[]string{"config", "get", "tenant"}, "", 0, "12345\n"}, // KIBO_TENANT beats the file
		{[]string{"config", "get", "shared_secret"}, "", 2, ""},
		{[]string{"config", "set", "store", "redis://:hunter2@127.0.0.1:6379/0", "-p", "sandbox"}, "", 0, ""},
		{[]string{"config", "list", "-o", "json", "--jq", `.[] | "\(.name) \(.current) \(.tenant) \(.hasSharedSecret) \(.store)"`}, "", 0, "sandbox true 777 true redis://:xxxxx@127.0.0.1:6379/0\n"},
	}
	for _, s := range steps {
		res := h.RunWith(apptest.RunOpts{Stdin: s.stdin}, s.args...)
		if res.Code != s.code || (s.stdout != "" && res.Stdout != s.stdout) {
			t.Fatalf("%v: exit %d stdout %q stderr %q; want exit %d stdout %q", s.args, res.Code, res.Stdout, res.Stderr, s.code, s.stdout)
		}
		if strings.Contains(res.Stdout+res.Stderr, "feedface") || strings.Contains(res.Stdout+res.Stderr, "hunter2") {
			t.Fatalf("%v printed the secret", s.args)
		}
	}
	if res := h.Run("config", "get", "site", "-p", "sandbox"); res.Code != 1 || res.Stdout != "" ||
		!strings.Contains(res.Stderr, "site is not set in profile sandbox (kwh config set site VALUE -p sandbox, or KIBO_SITE)") {
		t.Errorf("config get site (unset): exit %d stdout %q stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	if res := h.Run("config", "get", "site", "-p", "nope"); res.Code == 0 || !strings.Contains(res.Stderr, "nope") {
		t.Errorf("config get site -p nope: exit %d stderr %q", res.Code, res.Stderr)
	}
	delete(h.Env, "KIBO_TENANT")
	if res := h.Run("config", "get", "tenant"); res.Stdout != "777\n" {
		t.Errorf("config get tenant = %q, want the file's 777", res.Stdout)
	}
}
