package nl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	openai "github.com/sashabaranov/go-openai"
)

// zeroTemperature sends "temperature": 0 on requests that carry none.
//
// go-openai tags ChatCompletionRequest.Temperature with omitempty, so a zero
// temperature never reaches the wire (upstream issue #9) and the server uses
// its default of 1. The library's suggested workaround, a tiny non-zero
// value, makes some servers divide logits by ~1e-45. Rewriting the JSON body
// keeps the request exactly as the chat completions API documents it.
type zeroTemperature struct {
	next openai.HTTPDoer
}

// Do implements openai.HTTPDoer.
func (z zeroTemperature) Do(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Body == nil {
		return z.next.Do(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		if _, ok := fields["temperature"]; !ok {
			fields["temperature"] = json.RawMessage("0")
			if b, err := json.Marshal(fields); err == nil {
				body = b
			}
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return z.next.Do(req)
}
