package ingest_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the apply path: used by
// the root, web, cmd, mongo and the sources). Each is used outside the
// package or is deliberately its API; a new export fails here until it is
// added on purpose (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"Applier", "Applier.Apply", "Applier.ApplyStored", "Applier.Collection", "Applier.Commit", "Applier.Encode",
		"Applier.EncodeOnly", "Applier.Ingest", "Applier.IngestFile", "Applier.Observe", "Applier.Prepare",
		"Applier.RefreshRecency", "Applier.SetSink", "Applier.Switch", "BulkOptions", "DecodeEvent", "ErrNoRows",
		"ErrQueueFull", "ErrSwitched", "Event", "Follower", "Item", "Job", "JobDone", "JobFailed", "JobRunning",
		"Jobs", "Jobs.Get", "Jobs.Start", "Jobs.Wait", "MessageEvent", "MessageMapping", "MessageMapping.Decode",
		"MessageMapping.Validate", "MessageRow", "Migration", "Migration.Finish", "Migration.Run", "Migration.Stop",
		"NewApplier", "NewJobs", "NewMigration", "NewSourceMeter", "NewStream", "OpDelete", "OpReplace", "OpUpsert",
		"PartitionLag", "Problem", "Problem.String", "Progress", "Result", "Sink", "Source", "SourceBatch",
		"SourceMeter", "SourceMeter.Committed", "SourceMeter.Consumed", "SourceMeter.DeadLettered",
		"SourceMeter.DropLag", "SourceMeter.Rejected", "SourceMeter.SetConnected", "SourceMeter.SetError",
		"SourceMeter.SetLag", "SourceMeter.SetPaused", "SourceMeter.Stats", "SourceStats", "StatusApplied",
		"StatusRejected", "StatusStale", "StoreApplier", "StoredDoc", "Stream", "Stream.Check", "Stream.Done",
		"Stream.Enqueue", "Stream.OnFreshness", "Stream.Position", "Stream.QueueDepth", "Stream.Stats",
		"Stream.Submit", "StreamOptions", "StreamStats", "Summary", "Summary.String", "ValidateCleaning",
	})
}
