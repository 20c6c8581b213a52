package webhook

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"
)

const (
	testSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	testDate   = "Fri, 20 Nov 2026 12:00:00 GMT"
)

// A body that re-serialising would change: spacing, a newline, a \u escape,
// HTML characters and a float written as 1.0.
var awkwardBody = []byte("{ \"eventId\" : \"5f1c2e00-0000-0000-0000-000000000003\",\n  \"topic\":\"product.coderenamed\", \"entityId\":\"SKU-\\u00e9<1>\", \"timestamp\":\"2026-11-20T12:02:00Z\",\n  \"isTest\":false, \"extendedProperties\":[{\"key\":\"previousProductCode\",\"value\":\"SKU-OLD-1\"}], \"weight\": 1.0 }")

var plainBody = []byte(`{"eventId":"5f1c2e00-0000-0000-0000-000000000001","topic":"order.opened","entityId":"100234","timestamp":"2026-11-20T12:00:00.000Z","correlationId":"corr1","isTest":false}`)

// stepByStep follows FACTS.md literally, without Sign.
func stepByStep(secret, date string, body []byte) string {
	doubled := []byte(secret + secret)
	kHash := sha256.Sum256(doubled)
	k := base64.StdEncoding.EncodeToString(kHash[:])
	message := append(append([]byte(k), []byte(date)...), body...)
	sum := sha256.Sum256(message)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestSignVectors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string // computed outside Go (Python hashlib), from the same description
	}{
		{"compact body", plainBody, "yyB6tkFkUxteF9pyv7oZpgtQtRwvqPXOxS4TzsJ3SRU="},
		{"body re-serialising would change", awkwardBody, "gf7wpOjJuJaNwC5HwjciyF92ba0AaZr6xtjWiMUTb2k="},
		{"empty body", []byte{}, "0w/RROA3PkOPjxB++FAtFnkvhSUrMPXm1Qp+UmyAy78="},
	}
	for _, tt := range tests {
		if got := stepByStep(testSecret, testDate, tt.body); got != tt.want {
			t.Fatalf("%s: the step-by-step computation gives %s, the vector says %s", tt.name, got, tt.want)
		}
		if got := Sign(testSecret, testDate, tt.body); got != tt.want {
			t.Errorf("%s: Sign = %s, want %s", tt.name, got, tt.want)
		}
	}
	var v any
	_ = json.Unmarshal(awkwardBody, &v)
	reserialised, _ := json.Marshal(v)
	if Sign(testSecret, testDate, reserialised) == Sign(testSecret, testDate, awkwardBody) {
		t.Error("re-serialising the body should change the signature: sign the raw bytes")
	}
}

func TestVerify(t *testing.T) {
	signedAt, _ := http.ParseTime(testDate)
	at := func(d time.Duration) func() time.Time { return func() time.Time { return signedAt.Add(d) } }
	good := Sign(testSecret, testDate, awkwardBody)
	tampered := append([]byte{}, awkwardBody...)
	tampered[len(tampered)-3] = '2'
	tests := []struct {
		name   string
		v      Verifier
		date   string
		sig    string
		body   []byte
		reason error
	}{
		{"valid", Verifier{Secret: testSecret, Now: at(10 * time.Second)}, testDate, good, awkwardBody, nil},
		{"180 s old is still valid", Verifier{Secret: testSecret, Now: at(180 * time.Second)}, testDate, good, awkwardBody, nil},
		{"181 s old", Verifier{Secret: testSecret, Now: at(181 * time.Second)}, testDate, good, awkwardBody, ErrTooOld},
		{"far future", Verifier{Secret: testSecret, Now: at(-5 * time.Minute)}, testDate, good, awkwardBody, ErrFromFuture},
		{"age check off", Verifier{Secret: testSecret, MaxAge: -1, Now: at(48 * time.Hour)}, testDate, good, awkwardBody, nil},
		{"tampered body", Verifier{Secret: testSecret, Now: at(0)}, testDate, good, tampered, ErrBadSignature},
		{"tampered date", Verifier{Secret: testSecret, Now: at(0)}, "Fri, 20 Nov 2026 12:00:01 GMT", good, awkwardBody, ErrBadSignature},
		{"wrong secret", Verifier{Secret: "ffffffffffffffffffffffffffffffff", Now: at(0)}, testDate, good, awkwardBody, ErrBadSignature},
		{"no signature", Verifier{Secret: testSecret, Now: at(0)}, testDate, "", awkwardBody, ErrMissingSignature},
		{"no date", Verifier{Secret: testSecret, Now: at(0)}, "", good, awkwardBody, ErrMissingDate},
		{"unparsable date", Verifier{Secret: testSecret}, "yesterday", Sign(testSecret, "yesterday", awkwardBody), awkwardBody, ErrBadDate},
	}
	for _, tt := range tests {
		err := tt.v.Verify(tt.date, tt.sig, tt.body)
		if (tt.reason == nil) != (err == nil) || (tt.reason != nil && !errors.Is(err, tt.reason)) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.reason)
		}
	}
}

func TestSignedHeadersVerify(t *testing.T) {
	now := time.Now()
	body := Push{EventID: NewEventID(), Topic: "order.opened", EntityID: "1", Timestamp: FormatTimestamp(now)}.Marshal()
	h := SignedHeaders(testSecret, Context{Tenant: "1", Site: "2", Correlation: "c"}, body, now)
	if err := (Verifier{Secret: testSecret}).VerifyRequest(h, body); err != nil {
		t.Fatal(err)
	}
	if h.Get("x-vol-tenant") != "1" || h.Get("x-vol-site") != "2" || h.Get("x-vol-correlation") != "c" {
		t.Errorf("headers %v", h)
	}
}

func TestIDs(t *testing.T) {
	if got := DashedID("5F1C2E00000000000000000000000001"); got != "5f1c2e00-0000-0000-0000-000000000001" {
		t.Errorf("DashedID = %s", got)
	}
	if CanonicalID("5f1c2e00-0000-0000-0000-000000000001") != CanonicalID("5F1C2E00000000000000000000000001") {
		t.Error("both spellings must give one canonical id")
	}
	if _, err := ParsePush([]byte(`{"topic":"x"}`)); err == nil {
		t.Error("a body without eventId parsed")
	}
}
