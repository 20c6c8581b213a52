package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// PublishTo asks a running emulator at base (http://127.0.0.1:5050) to publish.
func PublishTo(ctx context.Context, transport http.RoundTripper, base string, req PublishRequest) ([]Published, error) {
	var out struct {
		Events []Published `json:"events"`
	}
	err := control(ctx, transport, base, "/publish", req, &out)
	return out.Events, err
}

// ReenableAt asks a running emulator to re-enable a subscription Kibo
// disabled, as verifying its event configuration in Dev Center does.
func ReenableAt(ctx context.Context, transport http.RoundTripper, base, subscriptionID string) (Reenabled, error) {
	var out Reenabled
	err := control(ctx, transport, base, "/subscriptions/"+url.PathEscape(subscriptionID)+"/enable", struct{}{}, &out)
	return out, err
}

// control POSTs req to one of the emulator's control endpoints and reads its answer into out.
func control(ctx context.Context, transport http.RoundTripper, base, path string, req, out any) error {
	raw, _ := json.Marshal(req)
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+ControlPrefix+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second, Transport: transport}).Do(r)
	if err != nil {
		return fmt.Errorf("no emulator answered at %s: %w", base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	var e struct{ Message, ErrorCode string }
	_ = json.Unmarshal(body, &e)
	if resp.StatusCode == http.StatusNotFound && e.ErrorCode != "SUBSCRIPTION_NOT_FOUND" {
		return fmt.Errorf("%s is not a kwh emulator (no %s): is the API host a real tenant?", base, ControlPrefix)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the emulator refused: %d %s", resp.StatusCode, e.Message)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("the emulator's answer: %w", err)
	}
	return nil
}
