package config

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

const (
	readKey  = "r-0123456789abcdef0123"
	writeKey = "w-fedcba9876543210fedc"
	aiKey    = "sk-proj-verysecretvalue1234"
)

// load parses args with the config flags and resolves against env.
func load(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return l.Load(func(k string) string { return env[k] })
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tessera.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.MaxBodyBytes != 16<<20 || c.MaxUploadBytes != 1<<30 || c.UploadTimeout != 30*time.Minute ||
		c.Embedder != "builtin" || c.RateLimit != 0 || c.accessControl() || c.LogFormat != "auto" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.sourceOf("addr") != fromDefault {
		t.Fatalf("source of addr: %s", c.sourceOf("addr"))
	}
}

func TestPrecedenceFlagEnvFile(t *testing.T) {
	file := writeFile(t, `
addr: 127.0.0.1:7001
data: /from/file
rate_limit: 5
max_body_bytes: 2MiB
public_read: true
cors_origins: [https://shop.example, https://admin.example]
api_keys:
  - `+readKey+`:read
  - {key: `+writeKey+`, access: write}
openai:
  api_key: `+aiKey+`
  embed_model: from-file
`)
	env := map[string]string{"TESSERA_ADDR": "127.0.0.1:7002", "TESSERA_DATA": "/from/env", "TESSERA_RATE_LIMIT": "7"}
	c, err := load(t, []string{"--config", file, "--addr", "127.0.0.1:7003"}, env)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key  string
		got  any
		want any
		src  origin
	}{
		{"addr", c.Addr, "127.0.0.1:7003", fromFlag},                 // flag beats env and file
		{"data", c.Data, "/from/env", fromEnv},                       // env beats file
		{"rate_limit", c.RateLimit, 7.0, fromEnv},                    //
		{"max_body_bytes", c.MaxBodyBytes, int64(2 << 20), fromFile}, // file beats default
		{"public_read", c.PublicRead, true, fromFile},
		{"openai.embed_model", c.OpenAIEmbedModel, "from-file", fromFile},
		{"schema", c.Schema, "", fromDefault},
	}
	for _, ch := range checks {
		if ch.got != ch.want || c.sourceOf(ch.key) != ch.src {
			t.Errorf("%s = %v from %s; want %v from %s", ch.key, ch.got, c.sourceOf(ch.key), ch.want, ch.src)
		}
	}
	if len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "https://admin.example" {
		t.Errorf("cors origins from a YAML list: %v", c.CORSOrigins)
	}
	if len(c.APIKeys) != 2 || c.APIKeys[0] != (APIKey{Key: readKey, Access: "read"}) || c.APIKeys[1] != (APIKey{Key: writeKey, Access: "write"}) {
		t.Errorf("api keys: %+v", c.APIKeys)
	}
	// The file named by TESSERA_CONFIG is read when --config is absent.
	c, err = load(t, nil, map[string]string{"TESSERA_CONFIG": file})
	if err != nil || c.Addr != "127.0.0.1:7001" || c.sourceOf("addr") != fromFile || c.File != file {
		t.Fatalf("TESSERA_CONFIG: %v %+v", err, c)
	}
	// A boolean flag given bare beats the file.
	c, err = load(t, []string{"--config", file, "--public-read=false"}, nil)
	if err != nil || c.PublicRead || c.sourceOf("public_read") != fromFlag {
		t.Fatalf("--public-read=false over the file: %v %v", err, c.PublicRead)
	}
}

func TestMaskedOutput(t *testing.T) {
	env := map[string]string{"TESSERA_API_KEYS": readKey + ":read," + writeKey + ":write", "TESSERA_OPENAI_API_KEY": aiKey,
		"TESSERA_STORE": "mongodb://app:hunter2secret@db.internal:27017/tessera"}
	c, err := load(t, []string{"--addr", "127.0.0.1:9"}, env)
	if err != nil {
		t.Fatal(err)
	}
	y, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{string(y), string(j)} {
		for _, secret := range []string{readKey, writeKey, aiKey, "0123456789abcdef", "verysecret", "hunter2"} {
			if strings.Contains(out, secret) {
				t.Fatalf("output leaks a secret (%s):\n%s", secret, out)
			}
		}
	}
	if !strings.Contains(string(y), "****0123:read") || !strings.Contains(string(y), "****1234") || !strings.Contains(string(y), "mongodb://app:****@db.internal:27017/tessera") {
		t.Fatalf("masked values missing:\n%s", y)
	}
	if !strings.Contains(string(y), "addr: 127.0.0.1:9 # flag --addr") || !strings.Contains(string(y), "# env TESSERA_API_KEYS") {
		t.Fatalf("sources missing:\n%s", y)
	}
	// The YAML shape is the file's shape: nested openai keys.
	var back map[string]any
	if err := yaml.Unmarshal(y, &back); err != nil {
		t.Fatal(err)
	}
	if back["openai"].(map[string]any)["api_key"] != "****1234" {
		t.Fatalf("nested openai section: %v", back["openai"])
	}
	var js struct {
		Settings map[string]entry `json:"settings"`
	}
	json.Unmarshal(j, &js)
	if e := js.Settings["api_keys"]; e.Source != fromEnv || e.Env != "TESSERA_API_KEYS" {
		t.Fatalf("JSON entry: %+v", e)
	}
}

func TestBadValuesNameTheirSource(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		file string
		want string
	}{
		{env: map[string]string{"TESSERA_RATE_LIMIT": "fast"}, want: "TESSERA_RATE_LIMIT"},
		{args: []string{"--max-body-bytes", "lots"}, want: "--max-body-bytes"},
		{env: map[string]string{"TESSERA_API_KEYS": readKey}, want: "key:read or key:write"},
		{env: map[string]string{"TESSERA_API_KEYS": "short:read"}, want: "shorter than 16"},
		{env: map[string]string{"TESSERA_API_KEYS": readKey + ":admin"}, want: `access "admin"`},
		{env: map[string]string{"TESSERA_API_KEYS": readKey + ":read," + readKey + ":write"}, want: "listed twice"},
		{env: map[string]string{"TESSERA_EMBEDDER": "gpt"}, want: "want builtin, openai"},
		{file: "adr: 1.2.3.4:80\n", want: `unknown key "adr"`},
		{file: "openai:\n  key: x\n", want: `unknown key "openai.key"`},
		{file: "read_timeout: soon\n", want: "read_timeout"},
		{file: "- a\n- b\n", want: "must be a mapping"},
		{file: "addr: [\n", want: "tessera.yaml"},
	}
	for _, tc := range cases {
		args := tc.args
		if tc.file != "" {
			args = append([]string{"--config", writeFile(t, tc.file)}, args...)
		}
		_, err := load(t, args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v %q: error %v, want it to mention %q", tc.args, tc.env, tc.file, err, tc.want)
		}
	}
	if _, err := load(t, []string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, nil); err == nil {
		t.Error("a missing --config file is not an error")
	}
}

func TestSizes(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "16MiB": 16 << 20, "1 GiB": 1 << 30, "512KiB": 512 << 10, "10MB": 10_000_000, "7B": 7} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1TiB", "1.5MiB", "99999999999GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func TestBindRefusedWithoutKeys(t *testing.T) {
	for addr, loop := range map[string]bool{"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true,
		"0.0.0.0:8080": false, ":8080": false, "[::]:8080": false, "192.168.1.5:8080": false, "example.org:80": false} {
		if isLoopback(addr) != loop {
			t.Errorf("IsLoopback(%s) = %v", addr, !loop)
		}
	}
	c, err := load(t, []string{"--addr", "0.0.0.0:8080"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckBind()
	if err == nil || !strings.Contains(err.Error(), "without API keys") || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("non-loopback without keys: %v", err)
	}
	c, _ = load(t, []string{"--addr", "0.0.0.0:8080", "--insecure"}, nil)
	if err := c.CheckBind(); err != nil {
		t.Fatalf("--insecure: %v", err)
	}
	c, _ = load(t, []string{"--addr", "0.0.0.0:8080"}, map[string]string{"TESSERA_API_KEYS": writeKey + ":write"})
	if err := c.CheckBind(); err != nil {
		t.Fatalf("with keys: %v", err)
	}
}

// The embedder's and the LLM parser's configurations are values built
// from the settings: flags beat the environment, which beats the file;
// OPENAI_API_KEY is both keys' fallback and the model has its default.
func TestModelConfigs(t *testing.T) {
	file := writeFile(t, "openai:\n  base_url: http://127.0.0.1:9/v1\n  embed_model: from-file\nllm:\n  base_url: http://127.0.0.1:8/v1\n  model: chat-from-file\n")
	env := map[string]string{"TESSERA_OPENAI_EMBED_MODEL": "from-env", "OPENAI_API_KEY": "sk-fallback", "TESSERA_LLM_API_KEY": "sk-llm"}
	c, err := load(t, []string{"--config", file}, env)
	if err != nil {
		t.Fatal(err)
	}
	if o := c.OpenAI(); o.BaseURL != "http://127.0.0.1:9/v1" || o.Model != "from-env" || o.APIKey != "sk-fallback" {
		t.Errorf("OpenAI() = %+v", o)
	}
	if l := c.LLM(); l.BaseURL != "http://127.0.0.1:8/v1" || l.Model != "chat-from-file" || l.APIKey != "sk-llm" || !l.Enabled() {
		t.Errorf("LLM() = %+v", l)
	}
	// The fallback key is no setting of its own: `tessera config` does not show it.
	out, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "  api_key: \"\" # default\n") || strings.Contains(string(out), "back") {
		t.Errorf("the OPENAI_API_KEY fallback is shown:\n%s", out)
	}

	// Models reads the environment alone: no file, no other settings.
	env = map[string]string{"TESSERA_CONFIG": file, "TESSERA_EMBEDDER": "OpenAI", "TESSERA_OPENAI_API_KEY": "sk-own",
		"TESSERA_RATE_LIMIT": "not a rate", "TESSERA_LLM_MODEL": "small-model"}
	m, err := Models(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o := m.OpenAI(); m.Embedder != "openai" || o.BaseURL != "" || o.APIKey != "sk-own" || o.Model != "text-embedding-3-small" {
		t.Errorf("Models: embedder %q, OpenAI() = %+v", m.Embedder, o)
	}
	if l := m.LLM(); l.Model != "small-model" || l.APIKey != "" || l.BaseURL != "" {
		t.Errorf("Models: LLM() = %+v", l)
	}
	if m, err := Models(func(string) string { return "" }); err != nil || m.Embedder != "builtin" || m.LLM().Enabled() {
		t.Errorf("Models without environment: %+v, %v", m, err)
	}
	if _, err := Models(func(k string) string { return map[string]string{"TESSERA_EMBEDDER": "bogus"}[k] }); err == nil || !strings.Contains(err.Error(), "TESSERA_EMBEDDER") {
		t.Errorf("bad TESSERA_EMBEDDER: %v", err)
	}
}

// TestSourcesRepeatable: --source may be given several times and adds up;
// a file's YAML list works too.
func TestSourcesRepeatable(t *testing.T) {
	c, err := load(t, []string{"--source", "kafka://b:9092/t?group=g", "--source", "nats://n:4222/S?durable=d"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.StreamSources) != 2 || c.StreamSources[1] != "nats://n:4222/S?durable=d" || c.sourceOf("sources") != fromFlag {
		t.Fatalf("sources %q from %s", c.StreamSources, c.sourceOf("sources"))
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("sources:\n  - kafka://b:9092/t\n  - kafka://b:9092/u\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = load(t, []string{"--config", file}, nil)
	if err != nil || len(c.StreamSources) != 2 || c.StreamSources[1] != "kafka://b:9092/u" {
		t.Fatalf("sources from a file: %q %v", c.StreamSources, err)
	}
}

// TestSourcesMasked: a stream source URL's password never shows in
// `tessera config`.
func TestSourcesMasked(t *testing.T) {
	c, err := load(t, []string{"--source", "kafka://user:hunter2secret@b:9092/t?sasl=plain"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	y, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(y), "hunter2") || !strings.Contains(string(y), "kafka://user:****@b:9092/t?sasl=plain") {
		t.Fatalf("source not masked:\n%s", y)
	}
}
