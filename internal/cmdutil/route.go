package cmdutil

import "strings"

// SplitRoute reads a topic-glob/URL pair written either way round,
// TOPIC_GLOB=URL (the documented order) or URL=TOPIC_GLOB: the side that
// starts with http:// or https:// is the URL. Globs never hold '=', so a URL
// with a query string (?a=b) still splits at the right place.
func SplitRoute(s string) (glob, url string, ok bool) {
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		i := strings.LastIndex(s, "=")
		if i < 0 {
			return "", "", false
		}
		url, glob = s[:i], s[i+1:]
	} else {
		var found bool
		if glob, url, found = strings.Cut(s, "="); !found {
			return "", "", false
		}
	}
	glob, url = strings.TrimSpace(glob), strings.TrimSpace(url)
	return glob, url, glob != "" && url != ""
}
