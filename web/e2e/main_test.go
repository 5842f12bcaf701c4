// Package e2e drives the demo page of a real `tessera serve` in a real
// headless Chromium. It holds tests only: they build the binary from the
// repository, start it on a free loopback port with an empty data directory
// (the built-in demo catalogue), and use the page as a person would.
//
// Chromium comes from $CHROMIUM_PATH or /usr/bin/chromium (.ci/chromium.sh
// installs it). Without it the tests skip, or fail when CI=true.
// $TESSERA_BIN runs a prebuilt binary instead of building one.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var updateScreenshot = flag.Bool("update-screenshot", false,
	"write the main-view screenshot to web/e2e/testdata/screenshot.png and docs/screenshot.png")

// Viewport of the desktop tests and of the screenshot.
const (
	viewW = 1280
	viewH = 900
)

// env is what every test shares: one server and one browser.
type env struct {
	root    string          // repository root
	base    string          // http://127.0.0.1:PORT
	browser context.Context // a started browser; tabs derive from it
	log     *lockedBuffer   // the server's output
}

var (
	setupOnce sync.Once
	shared    *env
	skipMsg   string // set when the environment lacks Chromium outside CI
	setupErr  error
	cleanups  []func()
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(code)
}

// setup returns the shared environment, starting it on first use. It skips
// the test under -short, and when Chromium is missing unless CI=true, where
// that is fatal.
func setup(t *testing.T) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("headless-browser test: skipped under -short (bash .ci/test.sh runs it)")
	}
	setupOnce.Do(func() { shared, skipMsg, setupErr = start() })
	if skipMsg != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s", skipMsg)
		}
		t.Skip(skipMsg)
	}
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return shared
}

func start() (*env, string, error) {
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		return nil, fmt.Sprintf("no Chromium at %s (set CHROMIUM_PATH or run .ci/chromium.sh): %v", chromium, err), nil
	}
	root, err := repoRoot()
	if err != nil {
		return nil, "", err
	}
	tmp, err := os.MkdirTemp("", "tessera-e2e-")
	if err != nil {
		return nil, "", fmt.Errorf("temp dir: %w", err)
	}
	cleanups = append(cleanups, func() { removeAll(tmp) })

	bin, err := buildBinary(root, tmp)
	if err != nil {
		return nil, "", err
	}
	e := &env{root: root, log: &lockedBuffer{}}
	e.base, err = startServer(bin, filepath.Join(tmp, "data"), e.log)
	if err != nil {
		return nil, "", err
	}
	e.browser, err = startBrowser(chromium, filepath.Join(tmp, "chromium-profile"))
	if err != nil {
		return nil, "", err
	}
	return e, "", nil
}

// repoRoot walks up from the working directory to the one with go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func buildBinary(root, tmp string) (string, error) {
	if bin := os.Getenv("TESSERA_BIN"); bin != "" {
		return bin, nil
	}
	bin := filepath.Join(tmp, "tessera")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/tessera")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/tessera: %w\n%s", err, out)
	}
	return bin, nil
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before the server binds it; the health wait then fails clearly.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startServer runs `bin serve` (with extra flags) and waits until /healthz
// answers.
func startServer(bin, dataDir string, log *lockedBuffer, extra ...string) (string, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", dataDir}, extra...)...)
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s serve: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	cleanups = append(cleanups, func() {
		// SIGTERM first so the server can flush its data dir; then kill.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	base := "http://" + addr
	deadline := time.Now().Add(120 * time.Second) // the demo catalogue is embedded at start
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return "", fmt.Errorf("tessera serve exited before it was healthy: %v\n%s", err, log.String())
		default:
		}
		res, err := client.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("tessera serve at %s not healthy after 120s:\n%s", base, log.String())
}

func startBrowser(execPath, profile string) (context.Context, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(viewW, viewH),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	cleanups = append(cleanups, cancelAlloc, cancelBrowser)
	// Start the browser with no deadline: its life is bound to this context.
	if err := chromedp.Do(browser); err != nil {
		return nil, fmt.Errorf("start Chromium %s: %w", execPath, err)
	}
	return browser, nil
}

func removeAll(dir string) {
	// Chromium's children can still write for a moment after it stops.
	for range 50 {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lockedBuffer collects the server's output from two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail returns the last n bytes of the server's output, for failures.
func (b *lockedBuffer) tail(n int) string {
	s := b.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
