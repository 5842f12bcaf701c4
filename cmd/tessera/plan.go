package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/internal/cli"
	"github.com/tessera-search/tessera/schemaplan"
)

// schemaFlags are the flags tessera plan and tessera apply share.
type schemaFlags struct {
	data, schema, embedder, server, apiKey, store string
	json                                          bool
}

func parseSchemaFlags(name string, args []string, stdout io.Writer, extra func(fs *flagSet)) (*schemaFlags, error) {
	fs := newFlags(name, stdout)
	var f schemaFlags
	fs.StringVar(&f.data, "data", defaultDataDir(), "data directory (env TESSERA_DATA)")
	fs.StringVar(&f.schema, "schema", "", "the new schema `FILE` (required)")
	fs.StringVar(&f.embedder, "embedder", "", "text embedder `NAME` the directory was built with: builtin or openai (default: TESSERA_EMBEDDER, else builtin)")
	fs.StringVar(&f.server, "server", "", "plan against the tessera server at this `URL` instead of opening a data directory")
	fs.StringVar(&f.apiKey, "api-key", os.Getenv("TESSERA_API_KEY"), "API key with write access, for --server (env TESSERA_API_KEY)")
	fs.StringVar(&f.store, "store", os.Getenv("TESSERA_STORE"), "mongodb:// `URI` of the system of record the directory follows: apply changes the store too, and every replica follows (env TESSERA_STORE)")
	fs.BoolVar(&f.json, "json", false, "print the plan as JSON")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s: unexpected arguments %q", name, fs.Args())
	}
	if f.schema == "" {
		return nil, fmt.Errorf("%s: --schema FILE is required (the new schema)", name)
	}
	return &f, nil
}

type flagSet = cli.Flags

// planCmd runs `tessera plan`: what applying a new schema would change
// and cost, printed like Terraform's plan.
func planCmd(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := parseSchemaFlags("plan", args, stdout, nil)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(f.schema)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	var plan *schemaplan.Plan
	var docs int
	if f.server != "" {
		c, err := newRemote(f.server, f.apiKey)
		if err != nil {
			return fmt.Errorf("plan: %w", err)
		}
		var resp remotePlan
		if err := c.postJSON(ctx, "/v1/schema/plan", map[string]string{"schema": string(raw)}, http.StatusOK, &resp); err != nil {
			return fmt.Errorf("plan: %w", err)
		}
		plan, docs = &resp.Plan, resp.Documents
	} else {
		db, err := openForSchema(ctx, f, "tessera plan")
		if err != nil {
			return fmt.Errorf("plan: %w", err)
		}
		defer db.Close()
		if plan, err = db.PlanSchema(raw); err != nil {
			return fmt.Errorf("plan: %s: %w", f.schema, err)
		}
		docs = db.Documents()
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	plan.Write(stdout, docs)
	if err := plan.Refusal(); err != nil {
		return errors.New("plan: the change cannot be applied from stored data")
	}
	if !plan.Empty() {
		fmt.Fprintf(stdout, "\nTo apply it: tessera apply %s--schema %s --plan %s\n", where(f), f.schema, plan.ID)
	}
	return nil
}

func where(f *schemaFlags) string {
	if f.server != "" {
		return "--server " + f.server + " "
	}
	return "--data " + f.data + " "
}

// applyCmd runs `tessera apply`: it plans, and applies the plan when
// --plan names it or --yes accepts it.
func applyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var planID string
	var yes bool
	f, err := parseSchemaFlags("apply", args, stdout, func(fs *flagSet) {
		fs.StringVar(&planID, "plan", "", "apply only if the plan is still this `ID` (from tessera plan)")
		fs.BoolVar(&yes, "yes", false, "apply the plan without naming it")
	})
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(f.schema)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if f.server != "" {
		return applyRemote(ctx, f, raw, planID, yes, stdout, stderr)
	}
	db, err := openForSchema(ctx, f, "tessera apply")
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	defer db.Close()
	plan, err := db.PlanSchema(raw)
	if err != nil {
		return fmt.Errorf("apply: %s: %w", f.schema, err)
	}
	plan.Write(stdout, db.Documents())
	if err := plan.Refusal(); err != nil {
		return errors.New("apply: the change cannot be applied from stored data")
	}
	if plan.Empty() {
		return nil
	}
	if planID == "" && !yes {
		return fmt.Errorf("apply: review the plan above, then run again with --plan %s (or --yes)", plan.ID)
	}
	if planID == "" {
		planID = plan.ID
	}
	p := newProgress(stderr, "apply", 0)
	start := time.Now()
	_, err = db.ApplySchema(ctx, raw, tessera.ApplyOptions{PlanID: planID, Progress: func(done, total int) { p.update(done, float64(done)/float64(max(total, 1))) }})
	p.done()
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	fmt.Fprintf(stdout, "\nApplied plan %s to %s in %s.\n", plan.ID, f.data, time.Since(start).Round(time.Millisecond))
	return nil
}

// openForSchema opens an existing data directory with its saved schema.
func openForSchema(ctx context.Context, f *schemaFlags, command string) (*tessera.DB, error) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	opts, err := withModels(tessera.Options{DataDir: f.data, RequireSchema: true, Store: f.store, Holder: tessera.Holder{Command: command}}, f.embedder)
	if err != nil {
		return nil, err
	}
	db, err := tessera.Open(ctx, opts)
	if err != nil {
		var le *tessera.LockedError
		if errors.As(err, &le) && le.Holder.Addr != "" {
			return nil, fmt.Errorf("%w; a server holds it: pass --server %s to change its schema online", err, le.Holder.Addr)
		}
		return nil, err
	}
	return db, nil
}

// remotePlan is POST /v1/schema/plan's answer.
type remotePlan struct {
	schemaplan.Plan
	Documents int `json:"documents"`
}

// applyRemote plans on the server, then starts the apply there and
// follows it until the switch.
func applyRemote(ctx context.Context, f *schemaFlags, raw []byte, planID string, yes bool, stdout, stderr io.Writer) error {
	c, err := newRemote(f.server, f.apiKey)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	var resp remotePlan
	if err := c.postJSON(ctx, "/v1/schema/plan", map[string]string{"schema": string(raw)}, http.StatusOK, &resp); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	resp.Plan.Write(stdout, resp.Documents)
	if resp.Plan.Refusal() != nil {
		return errors.New("apply: the change cannot be applied from stored data")
	}
	if resp.Plan.Empty() {
		return nil
	}
	if planID == "" && !yes {
		return fmt.Errorf("apply: review the plan above, then run again with --plan %s (or --yes)", resp.Plan.ID)
	}
	if planID == "" {
		planID = resp.Plan.ID
	}
	var st schemaplan.Status
	if err := c.postJSON(ctx, "/v1/schema/apply", map[string]string{"schema": string(raw), "plan_id": planID}, http.StatusAccepted, &st); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	p := newProgress(stderr, "apply", 0)
	t := time.NewTicker(jobPoll)
	defer t.Stop()
	for st.State == schemaplan.StateRunning {
		select {
		case <-ctx.Done():
			p.done()
			return fmt.Errorf("apply: stopped following (the server goes on applying): %w", ctx.Err())
		case <-t.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/schema/apply", nil)
		if err != nil {
			return err
		}
		if err := c.do(req, http.StatusOK, &st); err != nil {
			p.done()
			return fmt.Errorf("apply: follow: %w", err)
		}
		p.update(st.Done, float64(st.Done)/float64(max(st.Total, 1)))
	}
	p.done()
	if st.State != schemaplan.StateDone {
		return fmt.Errorf("apply: the server's apply %s: %s", st.State, st.Error)
	}
	fmt.Fprintf(stdout, "\nApplied plan %s on %s: searches now use the new schema.\n", planID, f.server)
	return nil
}

func newRemote(server, key string) (*remote, error) {
	base, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("--server %q: want an http:// or https:// URL", server)
	}
	return &remote{base: base.String(), key: key, client: &http.Client{}}, nil
}

// postJSON posts body as JSON to path and decodes a want-status answer.
func (c *remote) postJSON(ctx context.Context, path string, body any, want int, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, want, out)
}
