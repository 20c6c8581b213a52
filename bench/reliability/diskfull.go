//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// diskFull runs kwh listen with its store on a small tmpfs: the first event
// with 2 MiB free, then events until the disk is full (503 expected, not
// 500), /readyz meanwhile, recovery once space is freed (no restart), and
// after a restart how many delivered events are sent again. Root only.
func diskFull(o options) (bool, error) {
	fmt.Printf("5. Disk full: store on a %d MiB tmpfs\n", o.tmpfsMiB)
	if os.Geteuid() != 0 {
		fmt.Println("   skipped: needs root to mount a tmpfs (run the suite as root to include it)")
		return true, nil
	}
	mnt := filepath.Join(o.dir, "tmpfs")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		return false, err
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm,mode=0700", o.tmpfsMiB), "tmpfs", mnt).CombinedOutput(); err != nil {
		fmt.Printf("   skipped: cannot mount a tmpfs here (%v: %s)\n", err, out)
		return true, nil
	}
	defer exec.Command("umount", "-l", mnt).Run()
	a, err := newApp()
	if err != nil {
		return false, err
	}
	defer a.close()
	store := filepath.Join(mnt, "store")
	p, err := startKwh(o, store, 0, "--forward", a.url)
	if err != nil {
		return false, err
	}
	filler := filepath.Join(mnt, "filler")
	if err := fill(filler, mnt, 2<<20); err != nil {
		p.stop()
		return false, err
	}
	firstOK := push(p.url, guid(5, 0), "order.opened", "0") == 200
	acked := map[int]bool{}
	if firstOK {
		acked[0] = true
	}
	n, status := 1, 0
	for ; n < 200000; n++ {
		if status = push(p.url, guid(5, n), topicOf(n), fmt.Sprint(n)); status != 200 {
			break
		}
		acked[n] = true
	}
	retryAfter, ready := probe(p.url, guid(5, n))
	if o.verbose {
		fmt.Println(usage(mnt))
	}
	if err := os.Remove(filler); err != nil {
		p.stop()
		return false, err
	}
	freed := time.Now()
	if o.verbose {
		fmt.Println(usage(mnt))
	}
	recovered := time.Duration(-1)
	for time.Since(freed) < 60*time.Second {
		if push(p.url, guid(5, n), topicOf(n), fmt.Sprint(n)) == 200 {
			recovered = time.Since(freed)
			acked[n] = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.waitFor(len(acked), 60*time.Second)
	delivered, extraBefore := a.stats()
	p.stop()
	if o.verbose {
		fmt.Println(usage(mnt))
	}
	p, err = startKwh(o, store, 0, "--forward", a.url)
	if err != nil {
		return false, fmt.Errorf("restart after the disk filled: %w", err)
	}
	time.Sleep(3 * time.Second) // a mass resend would start at once
	p.stop()
	_, extraAfter := a.stats()
	lost := 0
	for i := range acked {
		if !a.has(guid(5, i)) {
			lost++
		}
	}
	resent := extraAfter - extraBefore
	ok := firstOK && status == http.StatusServiceUnavailable && retryAfter != "" && !ready && recovered >= 0 && lost == 0 && resent == 0
	fmt.Printf("   with 2 MiB free the first event was acknowledged: %v · %d acknowledged until the disk filled, then %d (Retry-After %q, /readyz ready: %v)\n",
		firstOK, len(acked)-1, status, retryAfter, ready)
	fmt.Printf("   space freed: acknowledging again after %s without a restart · %d acked, %d delivered, %d lost · sent again after a restart: %d [%s]\n",
		recovered.Round(10*time.Millisecond), len(acked), delivered, lost, resent, verdict(ok))
	return ok, nil
}

// fill writes zeros to path until only leave bytes are free on mnt.
func fill(path, mnt string, leave int64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		return err
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyN(f, zeros{}, max(free-leave, 0))
	return err
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// probe sends one push while the disk is full and asks /readyz: the
// push's Retry-After and whether kwh says it is ready.
func probe(url, id string) (retryAfter string, ready bool) {
	resp, err := http.Get(url + "/readyz")
	if err == nil {
		ready = resp.StatusCode == 200
		resp.Body.Close()
	}
	body := webhook.Push{EventID: id, Topic: "order.opened", EntityID: "x"}.Marshal()
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	req.Header = webhook.SignedHeaders(secret, webhook.Context{}, body, time.Now())
	r, err := client.Do(req)
	if err == nil {
		retryAfter = r.Header.Get("Retry-After")
		r.Body.Close()
	}
	return retryAfter, ready
}

// usage describes the store's files and the free space (-v).
func usage(mnt string) string {
	var st syscall.Statfs_t
	_ = syscall.Statfs(mnt, &st)
	out := fmt.Sprintf("   [free %d KiB;", int64(st.Bavail)*int64(st.Bsize)>>10)
	files, _ := filepath.Glob(filepath.Join(mnt, "store", "*"))
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			out += fmt.Sprintf(" %s %d KiB", filepath.Base(f), fi.Size()>>10)
		}
	}
	return out + "]"
}
