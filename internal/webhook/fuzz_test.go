package webhook

import (
	"net/http"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzVerify(f *testing.F) {
	f.Add(testSecret, testDate, Sign(testSecret, testDate, plainBody), plainBody)
	f.Add(testSecret, testDate, "", awkwardBody)
	f.Add("", "not a date", "AAAA", []byte{})
	f.Add(testSecret, "Fri, 20 Nov 2026 12:00:00 +0100", "====", []byte("{}"))
	now := func() time.Time { return time.Date(2026, 11, 20, 12, 1, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, secret, date, sig string, body []byte) {
		v := Verifier{Secret: secret, Now: now}
		err := v.Verify(date, sig, body)
		if err == nil && sig != Sign(secret, date, body) {
			t.Fatalf("a signature that is not Sign's was accepted")
		}
		// What kwh signs, kwh verifies, whatever the body.
		if _, perr := http.ParseTime(date); perr == nil && date != "" {
			if err := (Verifier{Secret: secret, MaxAge: -1}).Verify(date, Sign(secret, date, body), body); err != nil {
				t.Fatalf("own signature refused: %v", err)
			}
		}
	})
}

func FuzzParsePush(f *testing.F) {
	f.Add(plainBody)
	f.Add(awkwardBody)
	for _, s := range []string{`{}`, `[]`, `null`, `{"eventId":"a","topic":"b"}`, "{\"eventId\":\"\xffzz\",\"topic\":\"b\"}", `{"eventId":"\ufffd","topic":"b"}`, `{"eventId":1,"topic":"b"}`, `{"eventId":"a","topic":"b","extendedProperties":[{"key":"k","value":{"x":[1,2]}}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePush(body)
		if err != nil {
			return
		}
		if !utf8.Valid(body) || CheckEventID(p.EventID) != nil || p.Topic == "" {
			t.Fatalf("accepted an implausible push: %q", body)
		}
		if k := CanonicalID(p.EventID); CanonicalID(k) != k || len(k) > MaxEventIDLen {
			t.Fatalf("CanonicalID(%q) = %q is not a fixed point within the bound", p.EventID, k)
		}
		if _, err := ParsePush(p.Marshal()); err != nil {
			t.Fatalf("a parsed push does not parse again after Marshal: %v", err)
		}
	})
}
