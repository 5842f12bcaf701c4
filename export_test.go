package tessera

// SetBeforeSwitch runs f after a schema change's build and before its
// switch, so tests can write while the new index is complete but unused.
func SetBeforeSwitch(db *DB, f func()) { db.beforeSwitch = f }
