package main

import (
	"log/slog"
	"strings"
	"testing"
)

// TestOpenSourcesRefusesBadURLs: a --source that cannot work stops serve
// before it starts, naming the URL (password masked) and the reason.
func TestOpenSourcesRefusesBadURLs(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"not a url", "want scheme://host:port"},
		{"bogus://u:secret@h:1/t", "unknown scheme \"bogus\""},
	} {
		_, err := openSources([]string{tc.url}, slog.Default())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error shows the password: %v", tc.url, err)
		}
	}
	srcs, err := openSources([]string{"", " "}, slog.Default())
	if err != nil || len(srcs) != 0 {
		t.Fatalf("empty entries: %v %v", srcs, err)
	}
}
