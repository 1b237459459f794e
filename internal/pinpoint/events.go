package pinpoint

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

// Empty reports whether r sets nothing: every member absent or null, and no map with a key. It is
// what Amplify sends as the Endpoint of every PutEvents batch ("Endpoint": {}).
func (r *EndpointRequest) Empty() bool {
	return r.Address == nil && len(r.Attributes) == 0 && r.ChannelType == nil && r.Demographic == nil &&
		r.EffectiveDate == nil && r.EndpointStatus == nil && r.Location == nil && len(r.Metrics) == 0 &&
		r.OptOut == nil && r.RequestID == nil && r.User == nil
}
