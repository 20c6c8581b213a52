package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// PublishTo asks a running emulator at base (http://127.0.0.1:5050) to publish.
func PublishTo(ctx context.Context, transport http.RoundTripper, base string, req PublishRequest) ([]Published, error) {
	raw, _ := json.Marshal(req)
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+ControlPrefix+"/publish", bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second, Transport: transport}).Do(r)
	if err != nil {
		return nil, fmt.Errorf("no emulator answered at %s: %w", base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%s is not a kwh emulator (no %s): is the API host a real tenant?", base, ControlPrefix)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		_ = json.Unmarshal(body, &e)
		return nil, fmt.Errorf("the emulator refused: %d %s", resp.StatusCode, e.Message)
	}
	var out struct {
		Events []Published `json:"events"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("the emulator's answer: %w", err)
	}
	return out.Events, nil
}
