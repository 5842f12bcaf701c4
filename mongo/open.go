package mongo

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// OpenURI opens the store for collection in the database a mongodb:// (or
// mongodb+srv://) URI names, "tessera" when it names none. Errors name the
// URI with its password hidden.
func OpenURI(ctx context.Context, uri, collection, fingerprint string) (*Store, error) {
	s, err := DialURI(ctx, uri, collection)
	if err != nil {
		return nil, err
	}
	if err := s.Init(ctx, fingerprint, ""); err != nil {
		s.disconnect()
		return nil, fmt.Errorf("store %s: %w", redactURI(uri), err)
	}
	return s, nil
}

// DialURI is dial for a mongodb:// URI, as OpenURI names the database.
func DialURI(ctx context.Context, uri, collection string) (*Store, error) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
		return nil, fmt.Errorf("store %q: want a mongodb:// URI", redactURI(uri))
	}
	dbName := strings.Trim(u.Path, "/")
	if dbName == "" {
		dbName = "tessera"
	}
	s, err := dial(ctx, uri, dbName, collection)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", redactURI(uri), err)
	}
	return s, nil
}

// Redacted is the URI with its password hidden, for messages.
func Redacted(uri string) string { return redactURI(uri) }

// redactURI hides a password in a connection string for messages.
func redactURI(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}
