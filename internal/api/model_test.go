package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"pinpointd/internal/pinpoint"
)

// TestModelOperationsRouteToThemselves: a request for every operation of the model, its labels
// filled in, is routed to that operation (served or fallback), never shadowed by another; the
// fallback holds exactly the operations the route table does not serve.
func TestModelOperationsRouteToThemselves(t *testing.T) {
	s := New(Config{Region: "us-east-1"})
	seen := map[string]bool{}
	for _, op := range ModelOperations() {
		if seen[op.Name] {
			t.Errorf("%s appears twice in the model table", op.Name)
		}
		seen[op.Name] = true
		path := op.URI
		for strings.Contains(path, "{") {
			i, j := strings.Index(path, "{"), strings.Index(path, "}")
			path = path[:i] + "label%2Fvalue" + path[j+1:]
		}
		rt, labels, err := s.match(httptest.NewRequest(op.Method, path, nil))
		if err != nil {
			t.Errorf("%s %s (%s): %v", op.Method, path, op.Name, err)
			continue
		}
		if rt.op != op.Name {
			t.Errorf("%s %s: routed to %s, want %s", op.Method, path, rt.op, op.Name)
		}
		for name, v := range labels {
			if v != "label/value" {
				t.Errorf("%s: label %s = %q, want %q", op.Name, name, v, "label/value")
			}
		}
		if s.Implements(op.Name) {
			continue // the fallback holds no route of that name, so rt is the route table's
		}
		_, _, err = rt.handle(&request{})
		if e, ok := err.(*pinpoint.Error); !ok || e.Code != pinpoint.CodeNotImplemented || e.Message != "pinpointd does not implement "+op.Name {
			t.Errorf("%s: the fallback answers %v, want %s naming the operation", op.Name, err, pinpoint.CodeNotImplemented)
		}
	}
}
