package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/spaces"
)

// ErrorBody is every error response: {"error":{"code","message","field"}}.
type ErrorBody struct {
	Error APIError `json:"error"`
}

// APIError describes what went wrong and, for bad input, which field.
type APIError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func abort(c *gin.Context, status int, code, field, msg string) {
	c.AbortWithStatusJSON(status, ErrorBody{Error: APIError{Code: code, Message: msg, Field: field}})
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
	_ = c.Error(err)
	abort(c, http.StatusInternalServerError, "internal", "", "internal error: "+err.Error())
}

// decodeJSON reads a strict JSON body into v: unknown keys and wrong types
// are 400s that name the field.
func decodeJSON(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		jsonError(c, err)
		return false
	}
	if dec.More() {
		abort(c, http.StatusBadRequest, "bad_request", "", "request body has data after the JSON value")
		return false
	}
	return true
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
