package api

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 document of every route New serves.
// It is written by hand, and the tests hold it and the router to each
// other: every route documented, every answer valid against its schema.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the document, without authentication: clients and API
// tools read it before they have a token.
func openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(openAPIDocument)
}
