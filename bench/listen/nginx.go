package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// nginxSystem is the reference a user would put in front of an app:
// nginx proxy_pass with keep-alive to the upstream, as many workers as CPUs.
func nginxSystem(bin, dir string) system {
	return system{name: "nginx proxy_pass", start: func(appURL string) (*instance, error) {
		return startNginx(bin, filepath.Join(dir, "nginx"), appURL)
	}}
}

func startNginx(bin, dir, appURL string) (*instance, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close() // nginx binds it next; nothing else on this machine races for it in a bench
	upstream := strings.TrimSuffix(strings.TrimPrefix(appURL, "http://"), "/hooks")
	user := ""
	if os.Getuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%s
worker_processes auto;
error_log %[2]s/error.log warn;
pid %[2]s/nginx.pid;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  upstream app { server %[3]s; keepalive 256; }
  server {
    listen %[4]s;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`, user, dir, upstream, addr)
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-p", dir, "-c", file, "-g", "daemon off;")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("nginx never listened on %s (see %s/error.log)", addr, dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
	master := cmd.Process.Pid
	return &instance{url: "http://" + addr + "/hooks", pids: func() []int { return append([]int{master}, childrenOf(master)...) },
		stop: func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		}}, nil
}

// childrenOf lists a process's children (nginx's workers) from /proc.
func childrenOf(pid int) []int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(raw)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}
