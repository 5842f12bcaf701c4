package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/spaces"
)

// errorBody is every error response: {"error":{"code","message","field"}}.
type errorBody struct {
	Error apiError `json:"error"`
}

// apiError describes what went wrong and, for bad input, which field.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func abort(c *gin.Context, status int, code, field, msg string) {
	c.AbortWithStatusJSON(status, errorBody{Error: apiError{Code: code, Message: msg, Field: field}})
}

// fail maps an error to a response: field errors are 400s naming the
// field, everything else a 500 with a generic message (details in logs).
func fail(c *gin.Context, err error) {
	var fe *spaces.FieldError
	if errors.As(err, &fe) {
		abort(c, http.StatusBadRequest, "bad_request", fe.Field, err.Error())
		return
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		abort(c, http.StatusRequestEntityTooLarge, "too_large", "", fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
		return
	}
	if errors.Is(err, c.Request.Context().Err()) && c.Request.Context().Err() != nil {
		abort(c, 499, "cancelled", "", "request cancelled")
		return
	}
	// Server-side failures say nothing internal (paths, file names,
	// addresses): the details go to the log line of this request, which
	// the request id in the message finds.
	_ = c.Error(err)
	id := requestID(c.Request.Context())
	switch {
	case errors.Is(err, index.ErrStorageFull), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		c.Header("Retry-After", "30")
		abort(c, http.StatusInsufficientStorage, "storage_full",
			"", "the server's storage is full: nothing of this request was stored; retry once space is freed (request "+id+")")
	case errors.Is(err, index.ErrStorage):
		c.Header("Retry-After", "5")
		abort(c, http.StatusServiceUnavailable, "storage_unavailable",
			"", "the server cannot write to its storage: nothing of this request was stored; retry later (request "+id+")")
	default:
		abort(c, http.StatusInternalServerError, "internal", "", "internal error (request "+id+"; details are in the server log)")
	}
}

// decodeJSON reads a strict JSON body into v: exactly one JSON object
// (not null, not an array, nothing after it); unknown keys and wrong
// types are 400s that name the field.
func decodeJSON(c *gin.Context, v any) bool {
	br := bufio.NewReader(c.Request.Body)
	if b, err := peekNonSpace(br); err == nil && b != '{' {
		abort(c, http.StatusBadRequest, "bad_request", "", "request body must be a JSON object")
		return false
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		jsonError(c, err)
		return false
	}
	// Anything after the object but white space — a second value, a
	// stray '}' — is an error: it usually means the client built the
	// body wrong, and part of what it meant would be ignored.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(c, err)
			return false
		}
		abort(c, http.StatusBadRequest, "bad_request", "", fmt.Sprintf("request body has data after the JSON object (at byte %d)", dec.InputOffset()))
		return false
	}
	return true
}

// peekNonSpace returns the first byte that is not JSON white space,
// leaving it unread.
func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
}

func jsonError(c *gin.Context, err error) {
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	var tooBig *http.MaxBytesError
	var fe *spaces.FieldError
	switch {
	case errors.As(err, &fe):
		fail(c, err)
	case errors.As(err, &tooBig):
		fail(c, err)
	case errors.As(err, &typeErr):
		abort(c, http.StatusBadRequest, "bad_request", typeErr.Field, fmt.Sprintf("%s: expected %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value))
	case errors.As(err, &synErr):
		abort(c, http.StatusBadRequest, "bad_request", "", fmt.Sprintf("malformed JSON at byte %d: %v", synErr.Offset, err))
	case errors.Is(err, io.EOF):
		abort(c, http.StatusBadRequest, "bad_request", "", "empty request body")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		abort(c, http.StatusBadRequest, "bad_request", field, fmt.Sprintf("unknown field %q", field))
	default:
		abort(c, http.StatusBadRequest, "bad_request", "", err.Error())
	}
}
