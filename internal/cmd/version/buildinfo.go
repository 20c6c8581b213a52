package version

import "runtime/debug"

// FromBuild decides the version and commit kwh reports. A release build sets
// the version with -ldflags; a `go install` build leaves "dev" there, and Go
// records the module version (v1.2.3, or a pseudo-version from the clone's
// commit) and the VCS revision in the build info instead.
func FromBuild(ldflags string, info *debug.BuildInfo, ok bool) (version, commit string) {
	version = ldflags
	if !ok || info == nil {
		return version, ""
	}
	if version == "" || version == "dev" {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
	}
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if commit != "" && modified {
		commit += "-dirty"
	}
	return version, commit
}
