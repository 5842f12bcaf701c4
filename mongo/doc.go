// Package mongo is Tessera's MongoDB backend, the one place that knows
// MongoDB. It implements the core's small interfaces and the core never
// imports it:
//
//   - Store keeps Tessera's documents and their vectors in a MongoDB
//     collection, the system of record from which any instance can rebuild
//     its index (OpenURI opens it from a mongodb:// URI);
//   - Sink (an ingest.Sink) writes every batch the apply path commits;
//   - Follower (an ingest.Follower) follows the changes that anyone makes to
//     the collection, and rebuilds an empty index, through
//     ingest.StoreApplier; it also notices a schema change another instance
//     committed to the meta document (OnSchemaChange);
//   - AtlasSearcher (a query.VectorSearcher) runs the nearest-neighbour
//     search on Atlas Vector Search; package mongo/atlas builds its pipeline
//     and index definition.
//
// # Stored layout
//
// Each document is stored as
//
//	{
//	  _id:        string             // Doc.ID
//	  fields:     {...}              // Doc.Fields, the cleaned fields
//	  vector:     BinData(9, ...)    // Doc.Vector as a BSON float32 binary vector; absent when unknown
//	  version:    long               // Doc.Version; last writer wins
//	  deleted:    bool               // tombstone, so that polling followers see deletions
//	  updated_at: date               // set on every write; drives the polling follower
//	}
//
// The schema lives in a separate collection, tessera_meta, in a document
// whose _id is the collection name, so the data collection holds data only:
//
//	{
//	  _id:         string  // the collection name (the schema's name)
//	  fingerprint: string  // the schema fingerprint the vectors were encoded with
//	  schema:      string  // the schema's YAML text (absent in older stores)
//	  generation:  string  // the data collection in use (absent: the _id)
//	}
//
// A schema change that needs new vectors fills a new generation,
// <name>_gen_<n>, and switches the meta document to it in one atomic
// update (generation.go); third-party writers should read generation from
// the meta document rather than assume the collection name.
//
// # Contract for third-party writers
//
// Programs other than Tessera may write to the collection directly. For
// Tessera to see their writes they must:
//
//   - use a string _id: Tessera addresses documents by string ID, so it
//     ignores documents with any other _id (the polling follower never selects
//     them; Scan and change streams log a warning). Documents that break the
//     rest of this layout are likewise skipped with a warning;
//   - set updated_at to the current time as a BSON date on every insert and
//     update (for example with the $currentDate update operator). Documents
//     without it are invisible to the polling follower, and one whose
//     updated_at is older than what a follower has already read is missed by
//     it, so writers' clocks must be in step. Change streams, where the
//     server has them, have neither limit;
//   - put the fields either under a "fields" subdocument (preferred) or at the
//     top level. When "fields" is present it alone holds the fields; otherwise
//     every top-level key except _id, vector, version, deleted and updated_at
//     is a field;
//   - leave vector unset (Tessera then encodes the document itself) or set it
//     to a float32 binary vector or an array of numbers of the index's
//     dimension;
//   - delete by setting deleted: true (and updated_at) rather than removing
//     the document, unless every follower uses change streams.
//
// version may be omitted; Tessera's own writes always overwrite a document
// without one.
package mongo
