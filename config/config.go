// Package config resolves the server's configuration from, in order of
// precedence, command-line flags, TESSERA_* environment variables, an
// optional YAML file (--config FILE or TESSERA_CONFIG) and built-in
// defaults, and remembers where each value came from so that
// `tessera config` can show it with secrets masked.
package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tessera-search/tessera/query/nl"
	"github.com/tessera-search/tessera/spaces/openai"
)

// origin says where a setting's value came from.
type origin string

// Sources, from weakest to strongest.
const (
	fromDefault origin = "default"
	fromFile    origin = "file"
	fromEnv     origin = "env"
	fromFlag    origin = "flag"
)

// Access levels of an API key.
const (
	Read  = "read"
	Write = "write" // write keys can read too
)

// APIKey is one bearer token and what it may do.
type APIKey struct {
	Key    string `json:"key" yaml:"key"`
	Access string `json:"access" yaml:"access"`
}

// Config is the effective server configuration.
type Config struct {
	Addr     string // listen address
	Data     string // data directory
	Schema   string // schema file; empty means the saved copy or the demo
	Embedder string // builtin or openai

	Store      string        // mongodb:// URI of the system of record; empty means none
	FollowPoll time.Duration // store follower polling interval
	Search     string        // local or atlas
	AtlasIndex string        // Atlas Vector Search index name

	APIKeys     []APIKey // when empty, access control is off
	PublicRead  bool     // read endpoints need no key even when keys are set
	Insecure    bool     // allow a non-loopback address without keys
	CORSOrigins []string // allowed browser origins; "*" allows any

	// StreamSources are logs the server consumes by itself
	// (kafka://broker:9092/topic?group=g, nats://host:4222/stream?durable=d).
	StreamSources []string

	RateLimit float64 // requests per second per key (per IP without keys); 0 is off
	RateBurst int     // bucket size; 0 means max(1, 2×RateLimit)

	MaxBodyBytes   int64 // JSON request bodies
	MaxUploadBytes int64 // /v1/ingest uploads

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration // whole request, except uploads
	WriteTimeout      time.Duration // whole response, except uploads
	UploadTimeout     time.Duration // read+write deadline of /v1/ingest
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	RecencyRefresh    time.Duration

	LogFormat string // auto (JSON unless stderr is a terminal), json or text
	LogLevel  string // debug, info, warn or error

	OpenAIBaseURL    string
	OpenAIAPIKey     string
	OpenAIEmbedModel string
	LLMBaseURL       string
	LLMAPIKey        string
	LLMModel         string

	// File is the configuration file that was read, if any.
	File    string
	sources map[string]origin
	// sharedKey is OPENAI_API_KEY, the fallback of both API keys. It is
	// not a setting of its own: `tessera config` does not show it.
	sharedKey string
}

// setting is one configuration key and its three spellings.
type setting struct {
	key    string // YAML key; dots nest (openai.api_key)
	env    string
	flag   string // "" when there is no flag
	def    string
	help   string
	secret bool
	oneOf  []string            // allowed values, when restricted
	list   bool                // a repeated flag adds to the list
	field  func(c *Config) any // a pointer to the Config field
}

// settings is every key, in the order `tessera config` prints them.
var settings = []setting{
	{key: "addr", env: "TESSERA_ADDR", flag: "addr", def: "127.0.0.1:8080", help: "listen address (a non-loopback address needs API keys or --insecure)",
		field: func(c *Config) any { return &c.Addr }},
	{key: "data", env: "TESSERA_DATA", flag: "data", def: "tessera-data", help: "data directory (documents, vectors, write-ahead log)",
		field: func(c *Config) any { return &c.Data }},
	{key: "schema", env: "TESSERA_SCHEMA", flag: "schema", help: "schema file (default: the saved copy in the data directory, else the built-in demo)",
		field: func(c *Config) any { return &c.Schema }},
	{key: "embedder", env: "TESSERA_EMBEDDER", flag: "embedder", def: "builtin", help: "text embedder: builtin or openai",
		field: func(c *Config) any { return &c.Embedder }, oneOf: []string{"builtin", "openai"}},
	{key: "store", env: "TESSERA_STORE", flag: "store", secret: true, help: "mongodb:// URI of the system of record (MongoDB-backed replicas); empty keeps everything in the data directory",
		field: func(c *Config) any { return &c.Store }},
	{key: "follow_poll", env: "TESSERA_FOLLOW_POLL", flag: "follow-poll", def: "1s", help: "store follower polling interval (where change streams are missing)",
		field: func(c *Config) any { return &c.FollowPoll }},
	{key: "search", env: "TESSERA_SEARCH", flag: "search", def: "local", help: "where nearest-neighbour search runs: local (this process's HNSW) or atlas (MongoDB Atlas Vector Search on the store)",
		field: func(c *Config) any { return &c.Search }, oneOf: []string{"local", "atlas"}},
	{key: "atlas_index", env: "TESSERA_ATLAS_INDEX", flag: "atlas-index", def: "tessera_vector", help: "Atlas Vector Search index name (search: atlas)",
		field: func(c *Config) any { return &c.AtlasIndex }},
	{key: "api_keys", env: "TESSERA_API_KEYS", flag: "api-keys", secret: true, help: "comma-separated bearer tokens with their access, key:read or key:write",
		field: func(c *Config) any { return &c.APIKeys }},
	{key: "public_read", env: "TESSERA_PUBLIC_READ", flag: "public-read", def: "false", help: "read endpoints need no key even when keys are configured",
		field: func(c *Config) any { return &c.PublicRead }},
	{key: "insecure", env: "TESSERA_INSECURE", flag: "insecure", def: "false", help: "allow listening on a non-loopback address without API keys",
		field: func(c *Config) any { return &c.Insecure }},
	{key: "cors_origins", env: "TESSERA_CORS_ORIGINS", flag: "cors-origins", help: "comma-separated browser origins allowed to call the API (* for any); empty disables CORS",
		field: func(c *Config) any { return &c.CORSOrigins }},
	{key: "sources", env: "TESSERA_SOURCES", flag: "source", secret: true, list: true, help: "a stream to consume: kafka://broker:9092/topic?group=tessera or nats://host:4222/STREAM?durable=tessera (repeat the flag, or comma-separate, for several; see the README's streaming section)",
		field: func(c *Config) any { return &c.StreamSources }},
	{key: "rate_limit", env: "TESSERA_RATE_LIMIT", flag: "rate-limit", def: "0", help: "API requests per second per key (per client IP without keys); 0 disables",
		field: func(c *Config) any { return &c.RateLimit }},
	{key: "rate_burst", env: "TESSERA_RATE_BURST", flag: "rate-burst", def: "0", help: "requests a client may make at once before the rate applies; 0 means twice the rate",
		field: func(c *Config) any { return &c.RateBurst }},
	{key: "max_body_bytes", env: "TESSERA_MAX_BODY_BYTES", flag: "max-body-bytes", def: "16MiB", help: "largest JSON request body",
		field: func(c *Config) any { return &c.MaxBodyBytes }},
	{key: "max_upload_bytes", env: "TESSERA_MAX_UPLOAD_BYTES", flag: "max-upload-bytes", def: "1GiB", help: "largest file upload to /v1/ingest",
		field: func(c *Config) any { return &c.MaxUploadBytes }},
	{key: "read_header_timeout", env: "TESSERA_READ_HEADER_TIMEOUT", flag: "read-header-timeout", def: "10s", help: "time to read a request's headers",
		field: func(c *Config) any { return &c.ReadHeaderTimeout }},
	{key: "read_timeout", env: "TESSERA_READ_TIMEOUT", flag: "read-timeout", def: "1m", help: "time to read a whole request (uploads get upload_timeout)",
		field: func(c *Config) any { return &c.ReadTimeout }},
	{key: "write_timeout", env: "TESSERA_WRITE_TIMEOUT", flag: "write-timeout", def: "1m", help: "time to answer a request (uploads get upload_timeout)",
		field: func(c *Config) any { return &c.WriteTimeout }},
	{key: "upload_timeout", env: "TESSERA_UPLOAD_TIMEOUT", flag: "upload-timeout", def: "30m", help: "time to receive and answer one /v1/ingest upload",
		field: func(c *Config) any { return &c.UploadTimeout }},
	{key: "idle_timeout", env: "TESSERA_IDLE_TIMEOUT", flag: "idle-timeout", def: "2m", help: "how long an idle keep-alive connection stays open",
		field: func(c *Config) any { return &c.IdleTimeout }},
	{key: "shutdown_timeout", env: "TESSERA_SHUTDOWN_TIMEOUT", flag: "shutdown-timeout", def: "30s", help: "how long a graceful stop waits for requests in flight",
		field: func(c *Config) any { return &c.ShutdownTimeout }},
	{key: "recency_refresh", env: "TESSERA_RECENCY_REFRESH", flag: "recency-refresh", def: "1h", help: "how often recency parts are re-encoded (0s disables)",
		field: func(c *Config) any { return &c.RecencyRefresh }},
	{key: "log_format", env: "TESSERA_LOG_FORMAT", flag: "log-format", def: "auto", help: "log format: auto (JSON unless stderr is a terminal), json or text",
		field: func(c *Config) any { return &c.LogFormat }, oneOf: []string{"auto", "json", "text"}},
	{key: "log_level", env: "TESSERA_LOG_LEVEL", flag: "log-level", def: "info", help: "log level: debug, info, warn or error",
		field: func(c *Config) any { return &c.LogLevel }, oneOf: []string{"debug", "info", "warn", "error"}},
	{key: "openai.base_url", env: "TESSERA_OPENAI_BASE_URL", help: "OpenAI-compatible embeddings API root (empty: OpenAI's own)",
		field: func(c *Config) any { return &c.OpenAIBaseURL }},
	{key: "openai.api_key", env: "TESSERA_OPENAI_API_KEY", secret: true, help: "embeddings API key (falls back to OPENAI_API_KEY)",
		field: func(c *Config) any { return &c.OpenAIAPIKey }},
	{key: "openai.embed_model", env: "TESSERA_OPENAI_EMBED_MODEL", help: "embedding model (default text-embedding-3-small)",
		field: func(c *Config) any { return &c.OpenAIEmbedModel }},
	{key: "llm.base_url", env: "TESSERA_LLM_BASE_URL", help: "chat API root for the natural-language query parser (empty: offline parser only)",
		field: func(c *Config) any { return &c.LLMBaseURL }},
	{key: "llm.api_key", env: "TESSERA_LLM_API_KEY", secret: true, help: "chat API key (falls back to OPENAI_API_KEY)",
		field: func(c *Config) any { return &c.LLMAPIKey }},
	{key: "llm.model", env: "TESSERA_LLM_MODEL", help: "chat model for the query parser",
		field: func(c *Config) any { return &c.LLMModel }},
}

// set parses v into the setting's field.
func (s setting) set(c *Config, v string) error {
	v = strings.TrimSpace(v)
	if s.oneOf != nil {
		v = strings.ToLower(v)
		if !slices.Contains(s.oneOf, v) {
			return fmt.Errorf("%q: want %s", v, strings.Join(s.oneOf, ", "))
		}
	}
	switch p := s.field(c).(type) {
	case *string:
		*p = v
	case *[]string:
		*p = splitList(v)
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p = b
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%q is not a duration like 30s or 10m", v)
		}
		*p = d
	case *int64:
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%q: must be positive", v)
		}
		*p = n
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%q is not a non-negative whole number", v)
		}
		*p = n
	case *float64:
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "/s"), 64)
		if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%q is not a rate in requests per second (like 50 or 0.5)", v)
		}
		*p = f
	case *[]APIKey:
		keys, err := parseAPIKeys(v)
		if err != nil {
			return err
		}
		*p = keys
	default:
		panic(fmt.Sprintf("config: setting %s has an unsupported field type %T", s.key, p))
	}
	return nil
}

// get returns the field's value for display; API keys are masked.
func (s setting) get(c *Config) any {
	switch p := s.field(c).(type) {
	case *time.Duration:
		return p.String()
	case *[]APIKey:
		out := make([]string, len(*p))
		for i, k := range *p {
			out[i] = mask(k.Key) + ":" + k.Access
		}
		return out
	default:
		return reflect.ValueOf(p).Elem().Interface()
	}
}

// envConfig names the configuration file when --config is not given.
const envConfig = "TESSERA_CONFIG"

// Flags registers every setting's flag, and --config, on fs. Call
// Load after fs.Parse.
func Flags(fs *flag.FlagSet) *Loader {
	l := &Loader{raw: map[string]*rawFlag{}}
	fs.Var(&l.file, "config", "YAML configuration file (env "+envConfig+")")
	for _, s := range settings {
		if s.flag == "" {
			continue
		}
		_, isBool := s.field(&Config{}).(*bool)
		r := &rawFlag{isBool: isBool, isList: s.list}
		l.raw[s.key] = r
		help := s.help
		if s.def != "" {
			help += " (default " + s.def + ")"
		}
		fs.Var(r, s.flag, help+" (env "+s.env+")")
	}
	return l
}

// Loader holds the flags registered by Flags.
type Loader struct {
	raw  map[string]*rawFlag
	file rawFlag
}

// rawFlag keeps a flag's text; it is parsed with the other sources.
type rawFlag struct {
	value  string
	isSet  bool
	isBool bool
	isList bool
}

func (r *rawFlag) String() string { return r.value }
func (r *rawFlag) Set(v string) error {
	if r.isList && r.isSet {
		v = r.value + "," + v
	}
	r.value, r.isSet = v, true
	return nil
}
func (r *rawFlag) IsBoolFlag() bool { return r.isBool }

// Load resolves the configuration: defaults, then the file, then the
// environment (read through getenv; nil means os.Getenv), then the flags
// given on the command line. Bad values are errors naming the key and
// where the value came from.
func (l *Loader) Load(getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Config{sources: map[string]origin{}, sharedKey: getenv(envSharedKey)}
	for _, s := range settings {
		if s.def == "" {
			c.sources[s.key] = fromDefault
			continue
		}
		if err := s.set(c, s.def); err != nil {
			return nil, fmt.Errorf("config: default %s: %w", s.key, err) // a bug in the table
		}
		c.sources[s.key] = fromDefault
	}
	c.File = getenv(envConfig)
	if l.file.isSet {
		c.File = l.file.value
	}
	if c.File != "" {
		values, err := readFile(c.File)
		if err != nil {
			return nil, err
		}
		for _, s := range settings {
			if v, ok := values[s.key]; ok {
				if err := s.set(c, v); err != nil {
					return nil, fmt.Errorf("config: %s: %s: %w", c.File, s.key, err)
				}
				c.sources[s.key] = fromFile
			}
		}
	}
	for _, s := range settings {
		if v, ok := lookup(getenv, s.env); ok {
			if err := s.set(c, v); err != nil {
				return nil, fmt.Errorf("config: environment %s: %w", s.env, err)
			}
			c.sources[s.key] = fromEnv
		}
	}
	for _, s := range settings {
		if r := l.raw[s.key]; r != nil && r.isSet {
			if err := s.set(c, r.value); err != nil {
				return nil, fmt.Errorf("config: flag --%s: %w", s.flag, err)
			}
			c.sources[s.key] = fromFlag
		}
	}
	return c, nil
}

// lookup reads an environment variable; an empty value counts as unset,
// so that `TESSERA_X= tessera …` falls back to the file and defaults.
func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// readFile reads a YAML configuration file into flat dotted keys. Lists
// become comma-joined text; API keys may also be {key, access} mappings.
// Unknown keys are errors, so that a typo is not silently ignored.
func readFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	out := map[string]string{}
	if len(root.Content) == 0 {
		return out, nil // an empty file sets nothing
	}
	known := map[string]bool{}
	for _, s := range settings {
		known[s.key] = true
		if i := strings.IndexByte(s.key, '.'); i > 0 {
			known[s.key[:i]] = true
		}
	}
	var walk func(n *yaml.Node, prefix string) error
	walk = func(n *yaml.Node, prefix string) error {
		if n.Kind != yaml.MappingNode {
			what := "the file"
			if prefix != "" {
				what = strings.TrimSuffix(prefix, ".")
			}
			return fmt.Errorf("config: %s line %d: %s must be a mapping of keys to values", path, n.Line, what)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := prefix + k.Value
			if !known[key] {
				return fmt.Errorf("config: %s line %d: unknown key %q", path, k.Line, key)
			}
			switch v.Kind {
			case yaml.MappingNode:
				if err := walk(v, key+"."); err != nil {
					return err
				}
			case yaml.ScalarNode:
				if v.Tag == "!!null" {
					continue
				}
				out[key] = v.Value
			case yaml.SequenceNode:
				items := make([]string, 0, len(v.Content))
				for _, it := range v.Content {
					switch {
					case it.Kind == yaml.ScalarNode:
						items = append(items, it.Value)
					case it.Kind == yaml.MappingNode && key == "api_keys":
						var k APIKey
						if err := it.Decode(&k); err != nil {
							return fmt.Errorf("config: %s line %d: api_keys: %w", path, it.Line, err)
						}
						items = append(items, k.Key+":"+k.Access)
					default:
						return fmt.Errorf("config: %s line %d: %s: list items must be plain values", path, it.Line, key)
					}
				}
				out[key] = strings.Join(items, ",")
			default:
				return fmt.Errorf("config: %s line %d: %s: unsupported value", path, v.Line, key)
			}
		}
		return nil
	}
	if err := walk(root.Content[0], ""); err != nil {
		return nil, err
	}
	return out, nil
}

// minKeyLength is the shortest API key accepted: shorter ones can be
// guessed.
const minKeyLength = 16

// parseAPIKeys reads "key:read,key2:write". Every key needs an explicit
// access level, so that a forgotten suffix never grants write access.
func parseAPIKeys(v string) ([]APIKey, error) {
	var keys []APIKey
	seen := map[string]bool{}
	for i, item := range splitList(v) {
		j := strings.LastIndexByte(item, ':')
		if j < 0 {
			return nil, fmt.Errorf("key %d: want key:read or key:write", i+1)
		}
		k := APIKey{Key: item[:j], Access: strings.ToLower(item[j+1:])}
		if k.Access != Read && k.Access != Write {
			return nil, fmt.Errorf("key %d: access %q: want read or write", i+1, k.Access)
		}
		if len(k.Key) < minKeyLength {
			return nil, fmt.Errorf("key %d: shorter than %d characters (generate one with: openssl rand -hex 24)", i+1, minKeyLength)
		}
		if strings.ContainsFunc(k.Key, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return nil, fmt.Errorf("key %d: only printable ASCII without spaces is allowed", i+1)
		}
		if seen[k.Key] {
			return nil, fmt.Errorf("key %d: listed twice", i+1)
		}
		seen[k.Key] = true
		keys = append(keys, k)
	}
	return keys, nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseSize reads a byte count: 1048576, 512KiB, 16MiB, 1GiB (or KB, MB,
// GB in powers of 1000).
func parseSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size like 1048576, 16MiB or 1GiB", v)
	}
	return n * mult, nil
}

// sourceOf reports where the value of key (a YAML key such as "addr" or
// "openai.api_key") came from.
func (c *Config) sourceOf(key string) origin { return c.sources[key] }

// accessControl reports whether API keys are configured.
func (c *Config) accessControl() bool { return len(c.APIKeys) > 0 }

// CheckBind refuses a non-loopback listen address without API keys unless
// Insecure is set: anyone who can reach the port could read and rewrite
// the index.
func (c *Config) CheckBind() error {
	if c.accessControl() || c.Insecure || isLoopback(c.Addr) {
		return nil
	}
	return fmt.Errorf("refusing to listen on %s without API keys: anyone who can reach that address could read and change the index. "+
		"Set TESSERA_API_KEYS (key:read,key:write), listen on a loopback address such as 127.0.0.1:8080, or pass --insecure", c.Addr)
}

// isLoopback reports whether a host:port listen address only accepts
// connections from this machine. An empty host means every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// envSharedKey is the API key both remote models fall back to when
// openai.api_key or llm.api_key is not set.
const envSharedKey = "OPENAI_API_KEY"

// OpenAI is the OpenAI-compatible embedder's configuration: the openai.*
// settings, the API key falling back to OPENAI_API_KEY and the model to
// openai.DefaultModel. Other fields keep the embedder's defaults.
func (c *Config) OpenAI() openai.Config {
	o := openai.Config{BaseURL: c.OpenAIBaseURL, APIKey: c.OpenAIAPIKey, Model: c.OpenAIEmbedModel}
	if o.APIKey == "" {
		o.APIKey = c.sharedKey
	}
	if o.Model == "" {
		o.Model = openai.DefaultModel
	}
	return o
}

// LLM is the natural-language query parser's chat model configuration:
// the llm.* settings, the API key falling back to OPENAI_API_KEY.
func (c *Config) LLM() nl.LLMConfig {
	l := nl.LLMConfig{BaseURL: c.LLMBaseURL, APIKey: c.LLMAPIKey, Model: c.LLMModel}
	if l.APIKey == "" {
		l.APIKey = c.sharedKey
	}
	return l
}

// Models resolves only the model settings (embedder, openai.*, llm.*) from
// their defaults and the environment (read through getenv; nil means
// os.Getenv), for the commands that take no --config (ingest, search, the
// benchmarks). Other settings keep their defaults.
func Models(getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Config{sources: map[string]origin{}, sharedKey: getenv(envSharedKey)}
	for _, s := range settings {
		if s.key != "embedder" && !strings.HasPrefix(s.key, "openai.") && !strings.HasPrefix(s.key, "llm.") {
			continue
		}
		c.sources[s.key] = fromDefault
		if s.def != "" {
			if err := s.set(c, s.def); err != nil {
				return nil, fmt.Errorf("config: default %s: %w", s.key, err)
			}
		}
		if v, ok := lookup(getenv, s.env); ok {
			if err := s.set(c, v); err != nil {
				return nil, fmt.Errorf("config: environment %s: %w", s.env, err)
			}
			c.sources[s.key] = fromEnv
		}
	}
	return c, nil
}

// mask hides a secret, keeping its last four characters when it is long
// enough that they give nothing away.
func mask(secret string) string {
	if secret == "" {
		return ""
	}
	if len(secret) < minKeyLength {
		return "****"
	}
	return "****" + secret[len(secret)-4:]
}

// MaskURI masks the password of a URI (mongodb://user:pass@host), or the
// whole value, through mask, when it is not a URI with credentials.
func MaskURI(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return mask(v)
	}
	if _, has := u.User.Password(); has {
		const placeholder = "MASKEDPASSWORD" // url would escape the asterisks
		u.User = url.UserPassword(u.User.Username(), placeholder)
		return strings.Replace(u.String(), placeholder, "****", 1)
	}
	return u.String()
}

// entry is one setting of the effective configuration, for display.
type entry struct {
	Key    string `json:"key"`
	Value  any    `json:"value"`
	Source origin `json:"source"`
	Env    string `json:"env"`
	Flag   string `json:"flag,omitempty"`
	Help   string `json:"help"`
}

// entries lists every setting with its value (secrets masked) and source.
func (c *Config) entries() []entry {
	out := make([]entry, 0, len(settings))
	for _, s := range settings {
		v := s.get(c)
		if sv, ok := v.(string); ok && s.secret {
			v = MaskURI(sv)
		}
		if list, ok := v.([]string); ok && s.secret && s.list {
			masked := make([]string, len(list))
			for i, u := range list {
				masked[i] = MaskURI(u)
			}
			v = masked
		}
		e := entry{Key: s.key, Value: v, Source: c.sources[s.key], Env: s.env, Help: s.help}
		if s.flag != "" {
			e.Flag = "--" + s.flag
		}
		out = append(out, e)
	}
	return out
}

// MarshalJSON writes {"file": …, "settings": {key: {value, source, …}}}.
func (c *Config) MarshalJSON() ([]byte, error) {
	settings := map[string]entry{}
	for _, e := range c.entries() {
		settings[e.Key] = e
	}
	return json.Marshal(struct {
		File     string           `json:"file,omitempty"`
		Settings map[string]entry `json:"settings"`
	}{c.File, settings})
}

// YAML writes the effective configuration as a file that Load accepts,
// each value commented with where it came from. Secrets are masked, so
// the output is safe to share but not to load back as is.
func (c *Config) YAML() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	nested := map[string]*yaml.Node{}
	for _, e := range c.entries() {
		parent, key := root, e.Key
		if i := strings.IndexByte(e.Key, '.'); i > 0 {
			if nested[e.Key[:i]] == nil {
				m := &yaml.Node{Kind: yaml.MappingNode}
				root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: e.Key[:i]}, m)
				nested[e.Key[:i]] = m
			}
			parent, key = nested[e.Key[:i]], e.Key[i+1:]
		}
		var v yaml.Node
		if err := v.Encode(e.Value); err != nil {
			return nil, fmt.Errorf("config: %s: %w", e.Key, err)
		}
		comment := string(e.Source)
		switch e.Source {
		case fromEnv:
			comment += " " + e.Env
		case fromFlag:
			comment += " " + e.Flag
		case fromFile:
			comment += " " + c.File
		}
		if v.Kind == yaml.SequenceNode {
			v.Style = yaml.FlowStyle // one line, so the comment stays beside it
		}
		v.LineComment = comment
		parent.Content = append(parent.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &v)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return buf.Bytes(), nil
}
