package main

import (
	"encoding/json"
	"fmt"
	"io"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/config"
)

// configCmd runs `tessera config`: it resolves the configuration exactly
// as `tessera serve` would (flags > environment > --config file >
// defaults) and prints every setting with where its value came from.
// Secrets are masked.
func configCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("config", stdout)
	loader := config.Flags(fs.FlagSet)
	format := fs.String("format", "yaml", "output format: yaml or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("config: unexpected arguments %q", fs.Args())
	}
	cfg, err := loader.Load(nil)
	if err != nil {
		return err
	}
	switch *format {
	case "yaml":
		out, err := cfg.YAML()
		if err != nil {
			return err
		}
		if cfg.File != "" {
			fmt.Fprintf(stdout, "# configuration file: %s\n", cfg.File)
		}
		fmt.Fprintln(stdout, "# precedence: flag > env > file > default; secrets masked")
		_, err = stdout.Write(out)
		if err != nil {
			return err
		}
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cfg); err != nil {
			return err
		}
	default:
		return fmt.Errorf("config: --format %q: want yaml or json", *format)
	}
	// The same check serve makes, as a warning: printing is still useful.
	if err := cfg.CheckBind(); err != nil {
		fmt.Fprintln(stderr, "warning: tessera serve would refuse this configuration:", err)
	}
	return nil
}

// withModels sets o's embedder kind (kind, else the embedder setting) and
// the OpenAI embedder's and the LLM parser's configurations from the
// environment (config.Models): the commands other than serve and config
// take no --config file.
func withModels(o tessera.Options, kind string) (tessera.Options, error) {
	m, err := config.Models(nil)
	if err != nil {
		return o, err
	}
	if kind == "" {
		kind = m.Embedder
	}
	o.EmbedderKind, o.OpenAI, o.LLM = kind, m.OpenAI(), m.LLM()
	return o, nil
}
