package tessera

import "time"

// SetBeforeSwitch runs f after a schema change's build and before its
// switch, so tests can write while the new index is complete but unused.
func SetBeforeSwitch(db *DB, f func()) { db.beforeSwitch = f }

// SetReleaseGrace sets how long a replaced index stays in memory.
func SetReleaseGrace(db *DB, d time.Duration) { db.releaseGrace = &d }
