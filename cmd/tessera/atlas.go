package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"go.mongodb.org/mongo-driver/v2/bson"

	tessera "github.com/tessera-search/tessera"
)

// atlasIndexCmd prints (and with --create, creates) the Atlas Vector Search
// index definition for the schema.
func atlasIndexCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("atlas-index", stdout)
	data := fs.String("data", defaultDataDir(), "data directory")
	schemaPath := fs.String("schema", "", "schema file (default: the saved copy in --data, else the built-in demo)")
	store := fs.String("store", os.Getenv("TESSERA_STORE"), "mongodb:// URI of the Atlas cluster (needed with --create)")
	name := fs.String("name", tessera.DefaultAtlasIndex, "index name")
	create := fs.Bool("create", false, "create the index on the store's collection")
	if err := fs.Parse(args); err != nil {
		return err
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	opts, err := withModels(tessera.Options{DataDir: *data, SchemaPath: *schemaPath, Holder: tessera.Holder{Command: "tessera atlas-index"}}, "")
	if err != nil {
		return err
	}
	if *create {
		if *store == "" {
			return fmt.Errorf("--create needs --store")
		}
		opts.Store = *store
	}
	db, err := tessera.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	def, err := db.AtlasIndexDefinition(*name)
	if err != nil {
		return err
	}
	js, err := bson.MarshalExtJSONIndent(def, false, false, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(js))
	if *create {
		got, err := db.Store.CreateSearchIndex(ctx, def)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created search index %q\n", got)
	}
	return nil
}
