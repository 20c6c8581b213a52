package doctor

import (
	"context"
	"errors"
	"testing"
)

func TestCheckSettings(t *testing.T) {
	full := Settings{Profile: "p", ClientID: "id", HasSecret: true, Tenant: "12345", Site: "23456",
		Sources: []Setting{{Key: "client id", Value: "id", Source: "env KIBO_CLIENT_ID"}, {Key: "shared secret", Source: "file"}, {Key: "site"}}}
	tests := []struct {
		name   string
		change func(*Settings)
		err    error
		want   Status
		says   []string
	}{
		{"complete", func(*Settings) {}, nil, OK, []string{"client id id (env KIBO_CLIENT_ID)", "shared secret (file)", "site not set"}},
		{"no secret", func(s *Settings) { s.HasSecret = false }, nil, Fail, []string{"missing shared secret", "kwh auth login"}},
		{"no tenant", func(s *Settings) { s.Tenant = "" }, nil, Fail, []string{"missing tenant id"}},
		{"tenant not a number", func(s *Settings) { s.Tenant = "t12345" }, nil, Fail, []string{`tenant "t12345" is not a number`}},
		{"no site", func(s *Settings) { s.Site = "" }, nil, Warn, []string{"no site id", "KIBO_SITE"}},
		{"client cannot be built", func(*Settings) {}, errors.New("auth host: invalid host"), Fail, []string{"auth host: invalid host"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := full
			tt.change(&s)
			got := checkSettings(context.Background(), &Doctor{Settings: s, ClientErr: tt.err})
			expect(t, got, tt.want, tt.says...)
			if got[0].Subject != "profile p" {
				t.Errorf("subject %q", got[0].Subject)
			}
		})
	}
}
