package mongo

import (
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ErrStreamInvalidated reports a change stream event after which the stream
// cannot go on (the collection was dropped or renamed, or its database was
// dropped). Consumers must rebuild from Scan.
var ErrStreamInvalidated = errors.New("mongo: change stream invalidated")

// decodeChangeEvent decodes one change stream event of the documented shape
//
//	{_id: <resume token>, operationType: "insert"|"update"|"replace"|"delete"|...,
//	 fullDocument: {...}, documentKey: {_id: ...}, wallTime: <date>, ...}
//
// as opened with fullDocument: "updateLookup". ok is false for events that
// carry no document state to apply: an update whose document was deleted
// before the lookup (its delete event follows) and operation types that do
// not change documents. A delete yields a Doc with Deleted set, its ID and,
// when the event has a wallTime, UpdatedAt. Events that end the stream
// (invalidate, drop, rename, dropDatabase) return ErrStreamInvalidated.
func decodeChangeEvent(event bson.Raw) (doc Doc, ok bool, err error) {
	if err := event.Validate(); err != nil {
		return Doc{}, false, fmt.Errorf("malformed change event: %w", err)
	}
	if _, err := event.LookupErr("_id"); err != nil {
		return Doc{}, false, errors.New("change event has no _id (resume token)")
	}
	op, okOp := event.Lookup("operationType").StringValueOK()
	if !okOp {
		return Doc{}, false, errors.New("change event has no string operationType")
	}
	switch op {
	case "insert", "update", "replace":
		full := event.Lookup("fullDocument")
		switch full.Type {
		case bson.TypeEmbeddedDocument:
		case 0, bson.TypeNull:
			if op == "update" {
				return Doc{}, false, nil // deleted before the lookup
			}
			return Doc{}, false, fmt.Errorf("%s change event has no fullDocument", op)
		default:
			return Doc{}, false, fmt.Errorf("%s change event: fullDocument is %s, want a document", op, full.Type)
		}
		d, err := decodeDocument(full.Document())
		if err != nil {
			return Doc{}, false, fmt.Errorf("%s change event: %w", op, err)
		}
		return d, true, nil
	case "delete":
		idv := event.Lookup("documentKey", "_id")
		id, okID := idv.StringValueOK()
		if !okID {
			if idv.Type == 0 {
				return Doc{}, false, errors.New("delete change event has no documentKey._id")
			}
			return Doc{}, false, fmt.Errorf("delete change event: %w: it is %s (%s)", errNonStringID, idv.Type, idv)
		}
		d := Doc{ID: id, Deleted: true}
		if ms, okT := event.Lookup("wallTime").DateTimeOK(); okT {
			d.UpdatedAt = time.UnixMilli(ms).UTC()
		}
		return d, true, nil
	case "invalidate", "drop", "rename", "dropDatabase":
		return Doc{}, false, fmt.Errorf("%w by a %s event", ErrStreamInvalidated, op)
	default:
		return Doc{}, false, nil
	}
}
