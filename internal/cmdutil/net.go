package cmdutil

import "net/url"

// CheckURL rejects anything that is not an absolute http(s) URL.
func CheckURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return FlagErrorf("%q is not an http(s) URL", s)
	}
	return nil
}
