package apitest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// publicAPI is every importable package of the module outside internal/
// (by directory) with its exported names, methods as Type.Method (see
// Exports). A name here is one another package, a command or a documented
// use calls, or a deliberate part of the package's API: the values of an
// exported enum, sentinel errors and error types callers can match, types
// that appear in exported signatures. The audit that introduced this list
// moved datasets, ingest/clean, spaces/breaker and web/ui under internal/
// and unexported what only its own package used (docs/architecture.md,
// "Exports"). Adding a name, or a package, means adding it here on purpose.
var publicAPI = map[string][]string{
	// The root: what cmd/tessera and library users open and call.
	".": {
		"ApplyOptions", "DB", "DB.ApplySchema", "DB.AtlasIndexDefinition", "DB.Close", "DB.Documents",
		"DB.LoadDemo", "DB.PlanSchema", "DB.Ready", "DB.SchemaApplyStatus", "DB.StartSchemaApply", "DB.UseAtlas",
		"DefaultAtlasIndex", "ErrLocked", "ErrNoSchema", "Holder", "LockedError", "LockedError.Error",
		"LockedError.Is", "NewEmbedder", "Open", "Options",
	},
	// The configuration cmd/tessera resolves (flags, environment, file).
	"config": {
		"APIKey", "Config", "Config.CheckBind", "Config.LLM", "Config.MarshalJSON", "Config.OpenAI", "Config.YAML",
		"Flags", "Loader", "Loader.Load", "MaskURI", "Models", "Read", "Write",
	},
	// The durable collection: used by the root, ingest, query, mongo and the
	// benchmarks.
	"index": {
		"Candidates", "Collection", "Collection.AnalyzeText", "Collection.Apply", "Collection.Capacity", "Collection.Close",
		"Collection.Dim", "Collection.Each", "Collection.Get", "Collection.CountPassing", "Collection.CopyGroups", "Collection.GraphHealth", "Collection.LastUpdate",
		"Collection.HeldCore", "Collection.Len", "Collection.LexicalBytes", "Collection.LoadStats", "Collection.Matched",
		"Collection.MemoryBytes", "Collection.Meta", "Collection.MetaAll", "Collection.Pending",
		"Collection.Refresh", "Collection.Release", "Collection.Reserve", "Collection.Search", "Collection.SearchHybrid",
		"Collection.Snapshot", "Collection.Tombstones", "Collection.VectorIfUnchanged", "Collection.Version",
		"Collection.WaitIndexed", "Collection.WriteErr", "Columns", "Deleted", "DenseQuery", "ErrCorrupt",
		"ErrStorage", "ErrStorageFull", "Hit", "Inserted", "LabelsField", "LoadStats", "Number", "Open", "Options",
		"Outcome", "Outcome.String", "Record", "SearchOptions", "Span", "Stale", "TextQuery", "Unchanged",
		"Updated",
		// What searches waited for (issue #18).
		"Collection.SearchWaits",
		"SearchWaits", "WaitHistogram", "WaitHistogram.N", "WaitHistogram.Quantile", "WaitHistogram.Since",
	},
	// The HNSW graph: used by index, the root (schema apply) and the
	// benchmarks.
	"index/hnsw": {
		"BatchOptions", "Config", "DefaultConfig", "EfForWeights", "Graph", "Graph.Add", "Graph.AddBatch",
		"Graph.AddBatchWith", "Graph.Capacity", "Graph.Compact",
		"Graph.Config", "Graph.Delete", "Graph.Dim", "Graph.Health", "Graph.Len", "Graph.LiveIDs",
		"Graph.MemoryBytes", "Graph.NudgeSpans", "Graph.Reserve", "Graph.SameVector", "Graph.Search",
		"Graph.ScoreIDs", "Graph.SearchExact", "Graph.Tombstones", "Graph.Vector", "Graph.VisitVectors", "Graph.WriteTo", "Health",
		"InnerProduct", "L2", "Metric", "Metric.String", "New", "ReadFrom", "Result", "SearchOptions", "SetSpans",
		"Span",
	},
	// The lexical index: used by index, ingest and query.
	"index/lexical": {
		"Analyzed", "ErrMismatch", "Frozen", "Frozen.WriteTo", "Index.Freeze", "Head", "HeadWeight", "Hit", "Index", "Index.Analyze", "Index.Bytes", "Index.Delete",
		"Index.Fields", "Index.HeldCore", "IsHead", "NewTargetTest", "TargetTest", "TargetTest.OnlyTarget",
		"Index.Len", "Index.Matched", "Index.Prepare", "Index.ReadFrom", "Index.Score", "Index.ScoreMany",
		"Index.Set", "Index.SetAnalyzed", "Index.Top", "Index.WriteTo", "New", "Query", "Query.Core", "Terms",
	},
	// The apply path: used by the root, web, cmd, mongo and the sources.
	"ingest": {
		"Applier", "Applier.Apply", "Applier.ApplyStored", "Applier.Collection", "Applier.Commit", "Applier.Encode",
		"Applier.EncodeOnly", "Applier.Encoder", "Applier.Ingest", "Applier.IngestFile", "Applier.Observe", "Applier.Prepare",
		"Applier.RefreshRecency", "Applier.SetSink", "Applier.Switch", "BulkOptions", "DecodeEvent", "DefaultBatchSize", "ErrNoRows",
		"ErrQueueFull", "ErrSwitched", "Event", "Follower", "Item", "Job", "JobDone", "JobFailed", "JobRunning",
		"Jobs", "Jobs.Get", "Jobs.Start", "Jobs.Wait", "MessageEvent", "MessageMapping", "MessageMapping.Decode",
		"MessageMapping.Validate", "MessageRow", "Migration", "Migration.Finish", "Migration.Run", "Migration.Stop",
		"NewApplier", "NewJobs", "NewMigration", "NewSourceMeter", "NewStream", "OpDelete", "OpReplace", "OpUpsert",
		"PartitionLag", "Problem", "Problem.String", "ProblemsText", "Progress", "Result", "Sink", "Source", "SourceBatch",
		"SourceMeter", "SourceMeter.Committed", "SourceMeter.Consumed", "SourceMeter.DeadLettered",
		"SourceMeter.DropLag", "SourceMeter.Rejected", "SourceMeter.SetConnected", "SourceMeter.SetError",
		"SourceMeter.SetLag", "SourceMeter.SetPaused", "SourceMeter.Stats", "SourceStats", "StatusApplied",
		"StatusRejected", "StatusStale", "StoreApplier", "StoredDoc", "Stream", "Stream.Check", "Stream.Done",
		"Stream.Enqueue", "Stream.OnFreshness", "Stream.Position", "Stream.QueueDepth", "Stream.Stats",
		"Stream.Submit", "StreamOptions", "StreamStats", "Summary", "Summary.String", "ValidateCleaning",
	},
	// The file readers: part of ingest's API (Applier.Ingest takes a
	// read.Reader); used by web, cmd and the root.
	"ingest/read": {
		"DefaultMaxXLSXBytes", "ErrTooLarge", "FormatCSV", "FormatJSON", "FormatNDJSON", "FormatTSV", "FormatXLSX",
		"New", "Open", "Options", "Reader", "Record", "RowError", "RowError.Error", "RowError.Unwrap",
	},
	// The MongoDB backend: used by the root and cmd.
	"mongo": {
		"AtlasIndexDefinition", "AtlasSearcher", "AtlasSearcher.SearchVector", "Checkpoint",
		"DefaultAtlasIndex", "Doc", "ErrSchemaMismatch", "ErrStreamInvalidated", "Follower", "Follower.Rebuild",
		"Follower.Run", "Open", "OpenURI", "Sink", "Sink.Write", "Store",
		"Store.Close", "Store.Count", "Store.CreateSearchIndex", "Store.Follow", "Store.Scan", "Store.Upsert",
		// Schema apply in store mode (schemaapply_store.go).
		"DialURI", "ErrMetaChanged", "Follower.CheckpointGeneration", "Follower.ResumeAt", "Generation",
		"Generation.Fill", "Meta", "Redacted", "Store.Bind", "Store.CarryLate", "Store.CommitGeneration",
		"Store.DropGeneration", "Store.Generation", "Store.Init", "Store.Meta", "Store.NewGeneration",
		"Store.ReadMeta",
	},
	// The $vectorSearch pipeline and index-definition builders: used by mongo.
	"mongo/atlas": {
		"Filter", "IndexDefinition", "MaxDimensions", "MaxNumCandidates", "Pipeline", "ScoreField",
		"ScoreFromAtlas", "SearchParams",
	},
	// Imported by the root, web, cmd and mongo; a name here is one a caller
	// uses or a deliberate part of the API (the request and response types,
	// their limits and rank modes, Compile for filters, the parser and
	// searcher interfaces). Before the first exports audit it also held
	// CachedEmbedder (with a Len nobody called), MinWeight, MaxWeight and
	// Engine.Run (Search is Prepare then run; callers prepare, never run).
	"query": {
		"AndFilters", "Compile", "Engine", "Engine.Encoder", "Engine.Prepare", "Engine.Search", "Engine.Searches",
		"Engine.Switch", "Engine.UseVectorSearcher", "Filter", "Filter.Match", "Filter.Select", "LexicalFields",
		"MaxLimit", "MergeWeights", "NewCachedEmbedder", "NewEngine", "NewParser", "Parser", "Prepared",
		"Prepared.IndexOptions", "RankLinear", "RankRelevance", "Request", "Response", "Result", "Sort",
		"VectorSearcher", "Weights", "Weights.UnmarshalJSON",
	},
	// The natural-language parsers: used by query and config.
	"query/nl": {
		"DefaultLLMTimeout", "Interpretation", "LLM", "LLM.Parse", "LLMConfig", "LLMConfig.Enabled", "NewLLM",
		"NewOffline", "Offline", "Offline.Parse", "Parser", "Roles", "Roles.Apply", "RolesFromSchema",
		"SchemaField", "SchemaSpace", "SourceLLM", "SourceOffline", "Vocab",
	},
	// Schema change plans: used by the root, web and cmd.
	"schemaplan": {
		"Change", "Cost", "Cost.MarshalText", "Cost.String", "Cost.UnmarshalText", "Diff", "ErrBadSchema",
		"ErrBusy", "ErrPlanChanged", "ErrUnsupported", "Metadata", "Plan", "Plan.Applicable", "Plan.Empty",
		"Plan.Refusal", "Plan.Write", "Reencode", "RefusalError", "RefusalError.Error", "Reindex", "SourceRows",
		"StateDone", "StateFailed", "StateIdle", "StateRunning", "Status",
	},
	// The Kafka source: registered by cmd/tessera.
	"source/kafka": {
		"DecodePosition", "HeaderOffset", "HeaderPartition", "HeaderReason", "HeaderTopic", "New", "Options",
		"Options.Validate", "ParseURL", "Position", "PositionKey", "SASLPlain", "SASLSCRAMSHA256",
		"SASLSCRAMSHA512", "Source", "Source.Name", "Source.Run", "Source.Stats", "StartEarliest", "StartLatest",
	},
	// The NATS JetStream source: registered by cmd/tessera.
	"source/nats": {
		"DecodePosition", "HeaderID", "HeaderReason", "HeaderSeq", "HeaderStream", "HeaderSubject", "IDFromHeader",
		"IDFromSubject", "New", "Options", "Options.Validate", "ParseURL", "Position", "PositionKey", "Source",
		"Source.Name", "Source.Run", "Source.Stats",
	},
	// The schema and the encoders: used by nearly every package.
	"spaces": {
		"Embedder", "Encoder", "Encoder.Categories", "Encoder.Dim", "Encoder.EncodeItems", "Encoder.EncodeQuery",
		"Encoder.Explain", "Encoder.Fingerprint", "Encoder.Learn", "Encoder.Newest", "Encoder.Part",
		"Encoder.RecencySpaces", "Encoder.RestoreNewest", "Encoder.RestoreVocabulary", "Encoder.Schema",
		"Encoder.Segments", "Encoder.Similarities", "Encoder.SpaceIndex", "Encoder.SpacesOfFields",
		"Encoder.Vocabulary", "EncoderOption", "ErrUnknownSpace", "Extract", "Field", "Field.SourceColumn",
		"FieldError", "FieldError.Error", "FieldError.Unwrap", "IndexParams", "IngestOptions", "KindCategory",
		"KindNumber", "KindRecency", "KindText", "NamedQuery", "NewEncoder", "ParseSchema", "Period", "Query",
		"QueryVector", "ScaleLinear", "ScaleLog", "ScaleSignedLog", "Schema", "Schema.FieldNames",
		"Schema.KeyError", "Schema.Space", "SchemaError", "SchemaError.Error", "Segment", "SpaceSpec",
		"SpaceSpec.LexicalShare", "TypeBool", "TypeCategory", "TypeCategoryList", "TypeInteger", "TypeNumber",
		"TypeText", "TypeTime", "WithClock", "WithQueryEmbedder",
	},
	// The OpenAI-compatible embedder: used by the root and config.
	"spaces/openai": {
		"Config", "DefaultModel", "Embedder", "Embedder.Dim", "Embedder.Embed", "Embedder.Name", "New",
		"NewContext", "StatusError", "StatusError.Error", "StatusError.Retryable", "StatusError.Unwrap",
	},
	// The built-in embedder: used by the root.
	"spaces/wordvec": {
		"Default", "Embedder", "Embedder.Dim", "Embedder.Embed", "Embedder.Name",
	},
	// The HTTP server: used by the root and cmd/tessera.
	"web": {
		"APIKey", "Config", "ContextHandler", "Metrics", "Metrics.InstrumentEmbedder", "Metrics.ObserveSnapshot",
		"Metrics.ObserveWALSync", "New", "NewMetrics", "SchemaAdmin", "Server", "Server.Handler",
	},
}

// moduleRoot is the repository root seen from this package's directory,
// where go test runs it.
const moduleRoot = "../.."

func TestPublicAPI(t *testing.T) {
	dirs, err := Packages(moduleRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Fatalf("found %d packages under %s; the test must run from internal/apitest", len(dirs), moduleRoot)
	}
	for _, dir := range dirs {
		want, ok := publicAPI[dir]
		if !ok {
			t.Errorf("%s is an importable package missing from publicAPI: move it under internal/, or pin its exports there", dir)
			continue
		}
		got, err := Exports(moduleRoot + "/" + dir)
		if err != nil {
			t.Fatal(err)
		}
		var added, gone []string
		for _, n := range got {
			if !slices.Contains(want, n) {
				added = append(added, n)
			}
		}
		for _, n := range want {
			if !slices.Contains(got, n) {
				gone = append(gone, n)
			}
		}
		if len(added)+len(gone) > 0 {
			t.Errorf("%s: exports %v that publicAPI does not list (unexport them, or list them if callers need them) and no longer exports %v; its exports now: %s",
				dir, added, gone, quoted(got))
		}
	}
	for dir := range publicAPI {
		if !slices.Contains(dirs, dir) {
			t.Errorf("publicAPI lists %s, which is no longer an importable package", dir)
		}
	}
}

// quoted formats names as Go string literals, ready to paste into the list.
func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
