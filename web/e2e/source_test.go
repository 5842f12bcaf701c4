package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestStatusStripShowsStreamSource: a server consuming a Kafka topic (an
// in-process kfake cluster) shows the source's kind and lag in the status
// strip; a server without sources hides the item.
func TestStatusStripShowsStreamSource(t *testing.T) {
	e := setup(t)
	plain := newTab(t, e)
	plain.open("/")
	if hidden := eval[bool](plain, `document.getElementById("status-source-item").hidden`); !hidden {
		t.Fatal("the stream item shows on a server without sources")
	}

	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "strip"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("strip"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	ev := `{"op":"upsert","id":"STRIP-1","version":1,"fields":{"title":"saffron tin","price":12}}`
	if err := prod.ProduceSync(context.Background(), &kgo.Record{Value: []byte(ev)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin, err := buildBinary(e.root, tmp)
	if err != nil {
		t.Fatal(err)
	}
	withSource := *e
	withSource.log = &lockedBuffer{}
	withSource.base, err = startServer(bin, filepath.Join(tmp, "data"), withSource.log,
		"--source", fmt.Sprintf("kafka://%s/strip?group=e2e", c.ListenAddrs()[0]))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(withSource.base + "/v1/documents/STRIP-1")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event produced to Kafka never became a document\n%s", withSource.log.tail(3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb := newTab(t, &withSource)
	tb.open("/")
	// Connected, not paused, caught up.
	tb.waitFor("the source in the status strip", `!document.getElementById("status-source-item").hidden &&
		document.querySelector('[data-testid="status-source"]').textContent === "kafka lag 0"`, 60*time.Second)
	if got := eval[string](tb, `document.querySelector('[data-testid="status-source"]').title`); !strings.Contains(got, "kafka://") {
		t.Fatalf("the strip's title does not name the source: %q", got)
	}
}
