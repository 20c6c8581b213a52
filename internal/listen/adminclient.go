package listen

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltfile"
)

// AdminFile names the file beside the store where a running kwh listen says
// where its admin API is. It holds a token: mode 0600.
const AdminFile = "listen.admin"

// AdminInfo is the content of AdminFile.
type AdminInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// writeAdminInfo records the admin API of this process in dir.
func writeAdminInfo(dir, url string) (AdminInfo, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return AdminInfo{}, err
	}
	info := AdminInfo{URL: url, Token: hex.EncodeToString(b), PID: os.Getpid()}
	raw, _ := json.Marshal(info)
	// A new 0600 file renamed into place: never one another user planted.
	return info, boltfile.WritePrivate(filepath.Join(dir, AdminFile), raw)
}

// removeAdminInfo deletes dir's admin file when it is this process's.
func removeAdminInfo(dir string, info AdminInfo) {
	path := filepath.Join(dir, AdminFile)
	if raw, err := os.ReadFile(path); err == nil {
		var cur AdminInfo
		if json.Unmarshal(raw, &cur) == nil && cur.Token == info.Token {
			_ = os.Remove(path)
		}
	}
}

// AdminClient reads the inbox of a running kwh listen.
type AdminClient struct {
	info   AdminInfo
	client *http.Client
}

// nameHolder adds the pid of the kwh listen holding the store in dir (from
// its admin file) to a boltfile.InUseError.
func nameHolder(dir string, err error) error {
	var inUse *boltfile.InUseError
	if !errors.As(err, &inUse) {
		return err
	}
	if raw, rerr := os.ReadFile(filepath.Join(dir, AdminFile)); rerr == nil {
		var info AdminInfo
		if json.Unmarshal(raw, &info) == nil {
			inUse.PID = info.PID
		}
	}
	return err
}

// dialAdmin finds a running kwh listen for the store in dir, or returns nil.
func dialAdmin(dir string) *AdminClient {
	raw, err := os.ReadFile(filepath.Join(dir, AdminFile))
	if err != nil {
		return nil
	}
	var info AdminInfo
	if json.Unmarshal(raw, &info) != nil || info.URL == "" {
		return nil
	}
	c := &AdminClient{info: info, client: &http.Client{Timeout: 10 * time.Second}}
	if _, err := c.Inbox(store.InboxQuery{Limit: 1}); err != nil {
		return nil // a file left by a process that died: use the store itself
	}
	return c
}

func (c *AdminClient) get(path string, q url.Values, out any) error {
	req, _ := http.NewRequest(http.MethodGet, c.info.URL+path+"?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+c.info.Token)
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return store.ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("kwh listen answered %s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Inbox implements store.InboxReader.
func (c *AdminClient) Inbox(q store.InboxQuery) ([]store.Delivery, error) {
	v := url.Values{"topic": q.Topics, "limit": {strconv.Itoa(q.Limit)}}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339Nano))
	}
	var recs []store.Record
	if err := c.get("/inbox", v, &recs); err != nil {
		return nil, err
	}
	out := make([]store.Delivery, len(recs))
	for i, r := range recs {
		out[i] = *r.Full()
	}
	return out, nil
}

// Get implements store.InboxReader.
func (c *AdminClient) Get(id uint64) (*store.Delivery, error) {
	var rec store.Record
	if err := c.get("/inbox/"+strconv.FormatUint(id, 10), nil, &rec); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: %d", store.ErrNotFound, id)
		}
		return nil, err
	}
	return rec.Full(), nil
}

// Close implements store.InboxReader.
func (c *AdminClient) Close() error { return nil }
