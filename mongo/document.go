package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Doc is one document of the system of record.
type Doc struct {
	// ID identifies the document; it is stored as the string _id.
	ID string
	// Fields holds the cleaned document fields.
	Fields map[string]any
	// Vector is the document's vector, nil when a third party wrote the
	// document without one (the follower's consumer then encodes it).
	Vector []float32
	// Version orders writes: a write never replaces a newer version.
	Version int64
	// Deleted marks a tombstone.
	Deleted bool
	// UpdatedAt is set by the store on every write, strictly increasing per
	// Store at millisecond resolution; the polling follower orders by it.
	UpdatedAt time.Time
}

// Stored field names. Third-party writers rely on them; see the package doc.
const (
	keyID        = "_id"
	keyFields    = "fields"
	keyVector    = "vector"
	keyVersion   = "version"
	keyDeleted   = "deleted"
	keyUpdatedAt = "updated_at"
)

// errNonStringID marks documents Tessera cannot address; followers skip them.
var errNonStringID = errors.New("_id is not a string")

// decodeDocument turns a stored document into a Doc, accepting both
// Tessera's layout and the third-party variants described in the package doc.
func decodeDocument(raw bson.Raw) (Doc, error) {
	var d Doc
	elems, err := raw.Elements()
	if err != nil {
		return d, fmt.Errorf("malformed document: %w", err)
	}
	var topLevel map[string]any
	haveID, haveFields := false, false
	for _, e := range elems {
		key := e.Key()
		v := e.Value()
		switch key {
		case keyID:
			id, ok := v.StringValueOK()
			if !ok {
				return d, fmt.Errorf("%w: it is %s (%s)", errNonStringID, v.Type, v)
			}
			d.ID, haveID = id, true
		case keyFields:
			doc, ok := v.DocumentOK()
			if !ok {
				return d, fmt.Errorf("document %q: fields is %s, want a document", d.ID, v.Type)
			}
			m, err := plainDocument(doc)
			if err != nil {
				return d, fmt.Errorf("document %q: fields: %w", d.ID, err)
			}
			d.Fields, haveFields = m, true
		case keyVector:
			vec, err := vectorFromValue(v)
			if err != nil {
				return d, fmt.Errorf("document %q: %w", d.ID, err)
			}
			d.Vector = vec
		case keyVersion:
			if v.Type == bson.TypeNull {
				continue
			}
			n, ok := v.AsInt64OK()
			if !ok {
				return d, fmt.Errorf("document %q: version is %s, want a number", d.ID, v.Type)
			}
			d.Version = n
		case keyDeleted:
			if v.Type == bson.TypeNull {
				continue
			}
			b, ok := v.BooleanOK()
			if !ok {
				return d, fmt.Errorf("document %q: deleted is %s, want a boolean", d.ID, v.Type)
			}
			d.Deleted = b
		case keyUpdatedAt:
			if v.Type == bson.TypeNull {
				continue
			}
			ms, ok := v.DateTimeOK()
			if !ok {
				return d, fmt.Errorf("document %q: updated_at is %s, want a date", d.ID, v.Type)
			}
			d.UpdatedAt = time.UnixMilli(ms).UTC()
		default:
			if haveFields {
				continue // "fields" wins; stray top-level keys are not fields.
			}
			pv, err := plainValue(v)
			if err != nil {
				return d, fmt.Errorf("document %q: field %q: %w", d.ID, key, err)
			}
			if topLevel == nil {
				topLevel = make(map[string]any)
			}
			topLevel[key] = pv
		}
	}
	if !haveID {
		return d, errors.New("document has no _id")
	}
	if !haveFields {
		d.Fields = topLevel
	}
	return d, nil
}

// plainDocument converts a BSON document to a map of plain Go values.
func plainDocument(raw bson.Raw) (map[string]any, error) {
	elems, err := raw.Elements()
	if err != nil {
		return nil, fmt.Errorf("malformed document: %w", err)
	}
	m := make(map[string]any, len(elems))
	for _, e := range elems {
		v, err := plainValue(e.Value())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Key(), err)
		}
		m[e.Key()] = v
	}
	return m, nil
}

// plainValue converts a BSON value to the plain Go value Tessera's fields
// use: string, float64, int64 (int32 widened), bool, time.Time (UTC), nil,
// map[string]any, []any or []byte. ObjectIDs become hex strings and
// decimals their string form, since fields carry no BSON types upward.
func plainValue(v bson.RawValue) (any, error) {
	switch v.Type {
	case bson.TypeString:
		return v.StringValue(), nil
	case bson.TypeDouble:
		return v.Double(), nil
	case bson.TypeInt32:
		return int64(v.Int32()), nil
	case bson.TypeInt64:
		return v.Int64(), nil
	case bson.TypeBoolean:
		return v.Boolean(), nil
	case bson.TypeDateTime:
		return time.UnixMilli(v.DateTime()).UTC(), nil
	case bson.TypeNull, bson.TypeUndefined:
		return nil, nil
	case bson.TypeEmbeddedDocument:
		return plainDocument(v.Document())
	case bson.TypeArray:
		vals, err := v.Array().Values()
		if err != nil {
			return nil, fmt.Errorf("malformed array: %w", err)
		}
		out := make([]any, len(vals))
		for i, e := range vals {
			if out[i], err = plainValue(e); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return out, nil
	case bson.TypeBinary:
		_, data := v.Binary()
		return data, nil
	case bson.TypeObjectID:
		return v.ObjectID().Hex(), nil
	case bson.TypeDecimal128:
		return v.Decimal128().String(), nil
	case bson.TypeTimestamp:
		t, _ := v.Timestamp()
		return time.Unix(int64(t), 0).UTC(), nil
	default:
		return nil, fmt.Errorf("unsupported BSON type %s", v.Type)
	}
}

// warnSkipped logs a document that readers skip because Tessera cannot
// address it; stopping a whole scan or follower for it would be worse.
func warnSkipped(ctx context.Context, collection string, err error) {
	slog.WarnContext(ctx, "mongo: skipping document", "collection", collection, "err", err)
}
