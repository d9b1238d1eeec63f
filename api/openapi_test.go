package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// docURL names the document for the schema compiler, which resolves the
// document's $refs against it.
const docURL = "https://orderflow.test/openapi.json"

// apiDocument is api/openapi.json read for the tests: as data, and as a
// source of compiled schemas.
type apiDocument struct {
	root     any
	compiler *jsonschema.Compiler
}

func loadDocument(t testing.TB) *apiDocument {
	t.Helper()
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPIDocument))
	require.NoError(t, err, "openapi.json is not JSON")
	c := jsonschema.NewCompiler()
	// OpenAPI 3.1's schemas are JSON Schema 2020-12; formats such as
	// date-time are checked, as an outside fuzzer checks them.
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	require.NoError(t, c.AddResource(docURL, root))
	return &apiDocument{root: root, compiler: c}
}

// at returns the value at a JSON pointer ("#/paths/~1orders"), or nil.
func (d *apiDocument) at(pointer string) any {
	v := d.root
	for _, token := range strings.Split(strings.TrimPrefix(pointer, "#/"), "/") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")]
	}
	return v
}

func (d *apiDocument) object(pointer string) map[string]any {
	obj, _ := d.at(pointer).(map[string]any)
	return obj
}

func (d *apiDocument) schema(t testing.TB, pointer string) *jsonschema.Schema {
	t.Helper()
	sch, err := d.compiler.Compile(docURL + pointer)
	require.NoError(t, err, "the schema at %s", pointer)
	return sch
}

// operations lists every documented "METHOD /path".
func (d *apiDocument) operations() []string {
	var ops []string
	for path, item := range d.object("#/paths") {
		for method := range item.(map[string]any) {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

// response returns the pointer to the documented answer of an operation
// with a status, following a $ref to components; "" if there is none.
func (d *apiDocument) response(method, path string, status int) string {
	p := "#/paths/" + escapePointer(path) + "/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(status)
	if d.at(p) == nil {
		return ""
	}
	if ref, ok := d.object(p)["$ref"].(string); ok {
		return ref
	}
	return p
}

// statuses lists the documented statuses of an operation.
func (d *apiDocument) statuses(method, path string) []string {
	var out []string
	for status := range d.object("#/paths/" + escapePointer(path) + "/" + strings.ToLower(method) + "/responses") {
		out = append(out, status)
	}
	sort.Strings(out)
	return out
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// routedOperations lists every "METHOD /pattern" the router serves.
func routedOperations(t testing.TB, h http.Handler) []string {
	t.Helper()
	routes, ok := h.(chi.Routes)
	require.True(t, ok, "New returns a chi router")
	var ops []string
	require.NoError(t, chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		ops = append(ops, method+" "+route)
		return nil
	}))
	sort.Strings(ops)
	return ops
}

func TestTheDocumentAndTheRouterAgree(t *testing.T) {
	doc := loadDocument(t)
	// The fixture mounts nothing: mounted handlers (the tracking page)
	// are not the API and are not in the document.
	routed := routedOperations(t, newFixture(t).handler)
	documented := doc.operations()

	for _, op := range routed {
		require.Contains(t, documented, op, "a route the document does not describe")
	}
	for _, op := range documented {
		require.Contains(t, routed, op, "a documented operation no route serves")
	}
}

func TestTheDocumentIsServed(t *testing.T) {
	rec := newFixture(t).serve(request(http.MethodGet, "/openapi.json", "", ""))

	require.Equal(t, http.StatusOK, rec.Code, "no token is needed")
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Equal(t, openAPIDocument, rec.Body.Bytes())
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Info    map[string]any `json:"info"`
		Paths   map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	require.Regexp(t, `^3\.1\.\d+$`, doc.OpenAPI)
	require.NotEmpty(t, doc.Info["title"])
	require.NotEmpty(t, doc.Paths)
}

// Every schema of every documented answer compiles, so every $ref in them
// resolves and every pattern is a regular expression.
func TestEveryDocumentedAnswerHasASchema(t *testing.T) {
	doc := loadDocument(t)
	for _, op := range doc.operations() {
		method, path, _ := strings.Cut(op, " ")
		for _, status := range doc.statuses(method, path) {
			code, err := strconv.Atoi(status)
			require.NoError(t, err, "%s answers %q: only numeric statuses are documented", op, status)
			resp := doc.response(method, path, code)
			require.NotNil(t, doc.at(resp), "%s %s points to %s, which is missing", op, status, resp)
			content := doc.object(resp + "/content")
			require.Equal(t, code == http.StatusNoContent, len(content) == 0, "%s %s has content if and only if it is not a 204", op, status)
			for mediaType := range content {
				doc.schema(t, resp+"/content/"+escapePointer(mediaType)+"/schema")
				if mediaType == eventStreamType {
					doc.schema(t, resp+"/content/"+escapePointer(mediaType)+"/x-event-data")
				}
			}
			for name := range doc.object(resp + "/headers") {
				doc.schema(t, headerPointer(doc, resp, name)+"/schema")
			}
		}
	}
	for name := range doc.object("#/components/schemas") {
		doc.schema(t, "#/components/schemas/"+name)
	}
}

func headerPointer(doc *apiDocument, resp, name string) string {
	p := resp + "/headers/" + escapePointer(name)
	if ref, ok := doc.object(p)["$ref"].(string); ok {
		return ref
	}
	return p
}

// checkAnswer holds one real answer to the document: its status is
// documented for the operation, its content type and body match the
// schema, and its headers are present and valid. It returns the
// "METHOD /pattern status" it checked.
func checkAnswer(t *testing.T, doc *apiDocument, h http.Handler, r *http.Request, rec *httptest.ResponseRecorder) string {
	t.Helper()
	pattern := h.(chi.Routes).Find(chi.NewRouteContext(), r.Method, routePath(r))
	require.NotEmpty(t, pattern, "%s %s is routed", r.Method, r.URL)
	op := fmt.Sprintf("%s %s %d", r.Method, pattern, rec.Code)
	resp := doc.response(r.Method, pattern, rec.Code)
	require.NotEmpty(t, resp, "%s is not documented; body %s", op, rec.Body)

	if rec.Code == http.StatusNoContent {
		require.Empty(t, rec.Body.String(), op)
		return op
	}
	mediaType, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	require.NoError(t, err, op)
	content := doc.object(resp + "/content")
	require.Contains(t, content, mediaType, "%s is sent as %s", op, mediaType)
	if mediaType == eventStreamType {
		checkEvents(t, doc.schema(t, resp+"/content/"+escapePointer(mediaType)+"/x-event-data"), op, rec.Body.String())
	} else {
		body, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.Body.Bytes()))
		require.NoError(t, err, "%s: %s", op, rec.Body)
		sch := doc.schema(t, resp+"/content/"+escapePointer(mediaType)+"/schema")
		require.NoError(t, sch.Validate(body), "%s: %s", op, rec.Body)
	}

	for name := range doc.object(resp + "/headers") {
		header := doc.object(headerPointer(doc, resp, name))
		value, present := rec.Header()[http.CanonicalHeaderKey(name)]
		if !present {
			required, _ := header["required"].(bool)
			require.False(t, required, "%s lacks the header %s", op, name)
			continue
		}
		require.NoError(t, doc.schema(t, headerPointer(doc, resp, name)+"/schema").Validate(headerValue(value[0])),
			"%s: header %s: %q", op, name, value[0])
	}
	return op
}

// eventStreamType is the media type of server-sent events. The document gives
// the schema of each event's data under the extension x-event-data, since
// OpenAPI 3.1 has no word for the items of a stream.
const eventStreamType = "text/event-stream"

// checkEvents holds a stream to the document: at least one event, and the
// data of every event valid against the schema.
func checkEvents(t *testing.T, sch *jsonschema.Schema, op, stream string) {
	t.Helper()
	events := parseEvents(t, stream)
	require.NotEmpty(t, events, "%s sent no event: %q", op, stream)
	for _, e := range events {
		data, err := jsonschema.UnmarshalJSON(strings.NewReader(e.data))
		require.NoError(t, err, "%s: %s", op, e.data)
		require.NoError(t, sch.Validate(data), "%s: %s", op, e.data)
	}
}

// headerValue is a header as JSON Schema sees it: a whole number where
// the header holds one (Retry-After), else the text.
func headerValue(s string) any {
	if _, err := strconv.Atoi(s); err == nil {
		return json.Number(s)
	}
	return s
}

// documentedAnswers lists every "METHOD /path status" of the document.
func documentedAnswers(doc *apiDocument) []string {
	var all []string
	for _, op := range doc.operations() {
		method, path, _ := strings.Cut(op, " ")
		for _, status := range doc.statuses(method, path) {
			all = append(all, op+" "+status)
		}
	}
	return slices.Sorted(slices.Values(all))
}
