package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuild(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}
	dirty := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name            string
		ldflags         string
		info            *debug.BuildInfo
		version, commit string
	}{
		{"go install module@v1.2.3", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3", ""},
		{"go install from a clone", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261126100000-0123456789ab"}, Settings: vcs}, "v0.0.0-20261126100000-0123456789ab", "0123456789ab"},
		{"go run, edited clone", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: dirty}, "dev", "0123456789ab-dirty"},
		{"release (ldflags)", "1.4.0", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "1.4.0", "0123456789ab"},
		{"no build info", "dev", nil, "dev", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, c := FromBuild(tt.ldflags, tt.info, tt.info != nil)
			if v != tt.version || c != tt.commit {
				t.Errorf("got %q %q, want %q %q", v, c, tt.version, tt.commit)
			}
		})
	}
}
