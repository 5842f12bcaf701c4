package web

// The external tests (package web_test) reach these unexported parts
// through the names below; nothing outside web's tests needs them.

// OpenAPI is the served OpenAPI document.
var OpenAPI = openAPI

// RequestID is the id of the request a context belongs to.
var RequestID = requestID

// Routes lists s's gin routes as OpenAPI paths.
func Routes(s *Server) []route { return s.routeTable() }
