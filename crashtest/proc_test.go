package crashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// repoRoot is the module root: the parent of this file's folder.
func repoRoot(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find the test's source file")
	}
	return filepath.Dir(filepath.Dir(file))
}

// binary builds `yitong` once per test run and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "yitong-crashtest-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, "yitong"), "./cmd/yitong")
		cmd.Dir = repoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/yitong: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "yitong")
}

// childEnv is this process's environment without YITONG_* settings, so that
// only the flags the test passes configure the child.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "YITONG_") {
			env = append(env, kv)
		}
	}
	return env
}

// logTail keeps the last lines a child wrote to stderr (for failure
// messages) and reports the first one matching a pattern.
type logTail struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	watch   *regexp.Regexp
	found   chan string
}

func newLogTail(watch *regexp.Regexp) *logTail {
	return &logTail{watch: watch, found: make(chan string, 1)}
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		if len(l.lines) == 200 {
			l.lines = l.lines[1:]
		}
		l.lines = append(l.lines, line)
		if l.watch != nil {
			if m := l.watch.FindStringSubmatch(line); m != nil {
				select {
				case l.found <- m[len(m)-1]:
				default:
				}
			}
		}
	}
	return len(p), nil
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n") + string(l.partial)
}

// proc is a running yitong child process.
type proc struct {
	name    string
	cmd     *exec.Cmd
	log     *logTail
	exited  chan struct{}
	waitErr error
}

// startProc starts `yitong args…`; stdout and stderr go to one logTail
// watching for watch.
func startProc(t testing.TB, name string, watch *regexp.Regexp, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, log: newLogTail(watch), exited: make(chan struct{})}
	p.cmd = exec.Command(binary(t), args...)
	p.cmd.Env = childEnv()
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.kill(t) })
	return p
}

// done reports whether the process has exited.
func (p *proc) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL (if the process still runs) and waits for the exit.
func (p *proc) kill(t testing.TB) {
	t.Helper()
	if !p.done() {
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !p.done() {
			t.Errorf("kill %s: %v", p.name, err)
		}
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not exit 30 s after SIGKILL", p.name)
	}
}

// wait waits for the process to exit on its own and returns its error.
func (p *proc) wait(t testing.TB, limit time.Duration) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(limit):
		t.Fatalf("%s did not finish within %v; its log:\n%s", p.name, limit, p.log)
		return nil
	}
}

var addressLine = regexp.MustCompile(`msg="yitong serving".* address=(http://\S+)`)

// server is a running `yitong serve`, its base URL and an access token of
// a system client with every permission.
type server struct {
	*proc
	base  string // http://127.0.0.1:port
	token string
}

// clients holds the client credentials created per database (by store
// flags), with `yitong admin client create`.
var clients sync.Map // string -> [2]string{id, secret}

// credentials returns the test client of the database, creating it on
// first use.
func credentials(t testing.TB, storeFlags []string) (id, secret string) {
	t.Helper()
	key := strings.Join(storeFlags, " ")
	if c, ok := clients.Load(key); ok {
		v := c.([2]string)
		return v[0], v[1]
	}
	args := append([]string{"admin", "client", "create", "--name", "crashtest", "--scope", "system/*.cruds", "--secret"}, storeFlags...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = childEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("yitong admin client create: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "client_id: "); ok {
			id = v
		}
		if v, ok := strings.CutPrefix(line, "client_secret: "); ok {
			secret = v
		}
	}
	if id == "" || secret == "" {
		t.Fatalf("yitong admin client create printed no credentials:\n%s", out)
	}
	clients.Store(key, [2]string{id, secret})
	return id, secret
}

// fetchToken gets an access token with the client credentials grant.
func fetchToken(t testing.TB, base, id, secret string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		t.Fatalf("token request: status %d, %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

// startServer runs `yitong serve` on a free port with the store flags and
// waits until it answers /readyz.
func startServer(t testing.TB, storeFlags []string) *server {
	t.Helper()
	id, secret := credentials(t, storeFlags)
	args := append([]string{"serve", "--listen", "127.0.0.1:0"}, storeFlags...)
	p := startProc(t, "yitong serve", addressLine, args...)
	s := &server{proc: p}
	select {
	case s.base = <-p.log.found:
	case <-p.exited:
		t.Fatalf("yitong serve exited before serving (%v); its log:\n%s", p.waitErr, p.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("yitong serve did not log its address within 60 s; its log:\n%s", p.log)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if ready(s.base) {
			s.token = fetchToken(t, s.base, id, secret)
			return s
		}
		if p.done() || time.Now().After(deadline) {
			t.Fatalf("yitong serve at %s is not ready (exited: %v); its log:\n%s", s.base, p.done(), p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ready(base string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
