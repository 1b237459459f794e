package pinpoint

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// EventsRequest is the body of PutEvents: endpoint ID -> that endpoint and its events.
type EventsRequest struct {
	BatchItem map[string]EventsBatch `json:"BatchItem"`
}

// EventsBatch is one endpoint's part of a PutEvents request.
type EventsBatch struct {
	Endpoint *EndpointRequest `json:"Endpoint"`
	Events   map[string]Event `json:"Events"`
}

// Event is one analytics event, keyed by a client-chosen event ID.
type Event struct {
	AppPackageName   *string            `json:"AppPackageName,omitempty"`
	AppTitle         *string            `json:"AppTitle,omitempty"`
	AppVersionCode   *string            `json:"AppVersionCode,omitempty"`
	Attributes       map[string]string  `json:"Attributes,omitempty"`
	ClientSdkVersion *string            `json:"ClientSdkVersion,omitempty"`
	EventType        *string            `json:"EventType,omitempty"`
	Metrics          map[string]float64 `json:"Metrics,omitempty"`
	SdkName          *string            `json:"SdkName,omitempty"`
	Session          *Session           `json:"Session,omitempty"`
	Timestamp        *string            `json:"Timestamp,omitempty"`
}

// Session is the app session an event happened in.
type Session struct {
	Duration       *int64  `json:"Duration,omitempty"`
	ID             *string `json:"Id,omitempty"`
	StartTimestamp *string `json:"StartTimestamp,omitempty"`
	StopTimestamp  *string `json:"StopTimestamp,omitempty"`
}

// EventsResponse is the body of PutEvents' 202: per endpoint and per event results.
type EventsResponse struct {
	Results map[string]ItemResponse `json:"Results"`
}

// ItemResponse is the result for one endpoint of a PutEvents request.
type ItemResponse struct {
	EndpointItemResponse *ItemResult           `json:"EndpointItemResponse,omitempty"`
	EventsItemResponse   map[string]ItemResult `json:"EventsItemResponse,omitempty"`
}

// ItemResult is a StatusCode (202 or 400) and a Message ("Accepted" or the reason).
type ItemResult struct {
	Message    string `json:"Message"`
	StatusCode int    `json:"StatusCode"`
}

// Validate checks what makes PutEvents refuse a request whole: BatchItem is required and holds at
// most MaxEventsPerRequest events in all. Everything else is judged per endpoint and per event
// (EventsBatch.ValidateEndpoint, Event.Validate) and reported inside the 202.
func (r *EventsRequest) Validate() error {
	if r.BatchItem == nil {
		return BadRequest("BatchItem is required")
	}
	total := 0
	for _, b := range r.BatchItem {
		total += len(b.Events)
	}
	if total > MaxEventsPerRequest {
		return BadRequest("BatchItem holds %d events; the limit is %d per request", total, MaxEventsPerRequest)
	}
	return nil
}

// ValidateEndpoint checks the endpoint part of the BatchItem keyed by the endpoint ID id: the ID,
// and the Endpoint, which is required and checked as UpdateEndpoint checks its body. Messages
// name fields as BatchItem[id].Endpoint.….
func (b *EventsBatch) ValidateEndpoint(id string) error {
	field := "BatchItem[" + strconv.Quote(id) + "]."
	if err := ValidateID(field+"EndpointId", id); err != nil {
		return err
	}
	if b.Endpoint == nil {
		return BadRequest("%sEndpoint is required", field)
	}
	return b.Endpoint.Validate(field + "Endpoint.")
}

// Validate checks the event keyed by id against the PutEvents limits of spec §7.2: an ID of 1 to
// MaxIDLen characters, EventType and an ISO 8601 Timestamp required, at most MaxEventAttrs
// attribute and metric keys with names of 1 to MaxAttrNameLen characters, attribute values of at
// most MaxEventAttrValueLen characters, a Session with an Id and an ISO 8601 StartTimestamp when
// one is sent, and at most MaxEventBytes serialized. It returns the event's instant and its
// serialized form, the JSON the size limit applies to, for the caller to store.
func (ev *Event) Validate(id string) (time.Time, []byte, error) {
	field := "Event " + strconv.Quote(id) + ": "
	if id == "" || utf8.RuneCountInString(id) > MaxIDLen {
		return time.Time{}, nil, BadRequest("%sevent ID must be 1 to %d characters long", field, MaxIDLen)
	}
	if ev.EventType == nil || *ev.EventType == "" {
		return time.Time{}, nil, BadRequest("%sEventType is required", field)
	}
	if ev.Timestamp == nil {
		return time.Time{}, nil, BadRequest("%sTimestamp is required", field)
	}
	ts, ok := ParseTime(*ev.Timestamp)
	if !ok {
		return time.Time{}, nil, BadRequest("%sTimestamp %q is not an ISO 8601 date", field, *ev.Timestamp)
	}
	if n := len(ev.Attributes) + len(ev.Metrics); n > MaxEventAttrs {
		return time.Time{}, nil, BadRequest("%sAttributes and Metrics hold %d keys; the limit is %d", field, n, MaxEventAttrs)
	}
	for _, k := range sortedKeys(ev.Attributes) {
		if n := utf8.RuneCountInString(k); n == 0 || n > MaxAttrNameLen {
			return time.Time{}, nil, BadRequest("%sattribute name %q must be 1 to %d characters long", field, k, MaxAttrNameLen)
		}
		if n := utf8.RuneCountInString(ev.Attributes[k]); n > MaxEventAttrValueLen {
			return time.Time{}, nil, BadRequest("%sattribute %q has a value of %d characters; the limit is %d", field, k, n, MaxEventAttrValueLen)
		}
	}
	for _, k := range sortedKeys(ev.Metrics) {
		if n := utf8.RuneCountInString(k); n == 0 || n > MaxAttrNameLen {
			return time.Time{}, nil, BadRequest("%smetric name %q must be 1 to %d characters long", field, k, MaxAttrNameLen)
		}
	}
	if se := ev.Session; se != nil {
		if se.ID == nil || *se.ID == "" {
			return time.Time{}, nil, BadRequest("%sSession.Id is required", field)
		}
		if se.StartTimestamp == nil {
			return time.Time{}, nil, BadRequest("%sSession.StartTimestamp is required", field)
		}
		if _, ok := ParseTime(*se.StartTimestamp); !ok {
			return time.Time{}, nil, BadRequest("%sSession.StartTimestamp %q is not an ISO 8601 date", field, *se.StartTimestamp)
		}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		// Only a NaN or infinite metric gets here; no JSON body can carry one.
		return time.Time{}, nil, BadRequest("%sthe event cannot be serialized: %v", field, err)
	}
	if len(body) > MaxEventBytes {
		return time.Time{}, nil, BadRequest("%sthe event is %d bytes serialized; the limit is %d", field, len(body), MaxEventBytes)
	}
	return ts, body, nil
}

// Empty reports whether r sets nothing: every member absent or null, and no map with a key. It is
// what Amplify sends as the Endpoint of every PutEvents batch ("Endpoint": {}).
func (r *EndpointRequest) Empty() bool {
	return r.Address == nil && len(r.Attributes) == 0 && r.ChannelType == nil && r.Demographic == nil &&
		r.EffectiveDate == nil && r.EndpointStatus == nil && r.Location == nil && len(r.Metrics) == 0 &&
		r.OptOut == nil && r.RequestID == nil && r.User == nil
}
