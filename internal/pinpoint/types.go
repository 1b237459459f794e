package pinpoint

// App is an application (a Pinpoint "project"). Account owns it; no other account can see it.
type App struct {
	ID           string
	Account      string
	Name         string
	CreationDate string
	Tags         map[string]string
	// Excluded holds the attribute names RemoveAttributes excluded, by attribute type
	// (AttrTypeCustom, AttrTypeMetric, AttrTypeUser).
	Excluded map[string][]string
}

// ApplicationResponse is the wire shape of an application.
type ApplicationResponse struct {
	Arn          string            `json:"Arn"`
	ID           string            `json:"Id"`
	Name         string            `json:"Name"`
	Tags         map[string]string `json:"tags"`
	CreationDate string            `json:"CreationDate,omitempty"`
}

// CreateApplicationRequest is the body of CreateApp.
type CreateApplicationRequest struct {
	Name *string           `json:"Name"`
	Tags map[string]string `json:"tags"`
}

// ApplicationsResponse is the body of GetApps.
type ApplicationsResponse struct {
	Item      []ApplicationResponse `json:"Item"`
	NextToken string                `json:"NextToken,omitempty"`
}

// Endpoint is a stored endpoint; its JSON form is the wire EndpointResponse.
//
// User.UserAttributes belong to the user, not the endpoint: a store keeps them once per
// (application, UserID) and every endpoint of that user shows them.
type Endpoint struct {
	Address        string              `json:"Address,omitempty"`
	ApplicationID  string              `json:"ApplicationId,omitempty"`
	Attributes     map[string][]string `json:"Attributes,omitempty"`
	ChannelType    string              `json:"ChannelType,omitempty"`
	CohortID       string              `json:"CohortId,omitempty"`
	CreationDate   string              `json:"CreationDate,omitempty"`
	Demographic    *Demographic        `json:"Demographic,omitempty"`
	EffectiveDate  string              `json:"EffectiveDate,omitempty"`
	EndpointStatus string              `json:"EndpointStatus,omitempty"`
	ID             string              `json:"Id,omitempty"`
	Location       *Location           `json:"Location,omitempty"`
	Metrics        map[string]float64  `json:"Metrics,omitempty"`
	OptOut         string              `json:"OptOut,omitempty"`
	RequestID      string              `json:"RequestId,omitempty"`
	User           User                `json:"User"`
}

// Demographic describes the device of an endpoint.
type Demographic struct {
	AppVersion      string `json:"AppVersion,omitempty"`
	Locale          string `json:"Locale,omitempty"`
	Make            string `json:"Make,omitempty"`
	Model           string `json:"Model,omitempty"`
	ModelVersion    string `json:"ModelVersion,omitempty"`
	Platform        string `json:"Platform,omitempty"`
	PlatformVersion string `json:"PlatformVersion,omitempty"`
	Timezone        string `json:"Timezone,omitempty"`
}

// Location is where an endpoint is. Latitude and Longitude are rounded to one decimal.
type Location struct {
	City       string   `json:"City,omitempty"`
	Country    string   `json:"Country,omitempty"`
	Latitude   *float64 `json:"Latitude,omitempty"`
	Longitude  *float64 `json:"Longitude,omitempty"`
	PostalCode string   `json:"PostalCode,omitempty"`
	Region     string   `json:"Region,omitempty"`
}

// User is the user an endpoint belongs to.
type User struct {
	UserAttributes map[string][]string `json:"UserAttributes,omitempty"`
	UserID         string              `json:"UserId,omitempty"`
}

// EndpointRequest is the body of UpdateEndpoint (and, with Id, one item of a batch).
// Pointer fields distinguish "omitted" (nil: keep the stored value) from "sent".
type EndpointRequest struct {
	Address        *string             `json:"Address"`
	Attributes     map[string][]string `json:"Attributes"`
	ChannelType    *string             `json:"ChannelType"`
	Demographic    *DemographicRequest `json:"Demographic"`
	EffectiveDate  *string             `json:"EffectiveDate"`
	EndpointStatus *string             `json:"EndpointStatus"`
	Location       *LocationRequest    `json:"Location"`
	Metrics        map[string]*float64 `json:"Metrics"`
	OptOut         *string             `json:"OptOut"`
	RequestID      *string             `json:"RequestId"`
	User           *UserRequest        `json:"User"`
}

// DemographicRequest is a partial Demographic: only the fields sent change.
type DemographicRequest struct {
	AppVersion      *string `json:"AppVersion"`
	Locale          *string `json:"Locale"`
	Make            *string `json:"Make"`
	Model           *string `json:"Model"`
	ModelVersion    *string `json:"ModelVersion"`
	Platform        *string `json:"Platform"`
	PlatformVersion *string `json:"PlatformVersion"`
	Timezone        *string `json:"Timezone"`
}

// LocationRequest is a partial Location: only the fields sent change.
type LocationRequest struct {
	City       *string  `json:"City"`
	Country    *string  `json:"Country"`
	Latitude   *float64 `json:"Latitude"`
	Longitude  *float64 `json:"Longitude"`
	PostalCode *string  `json:"PostalCode"`
	Region     *string  `json:"Region"`
}

// UserRequest is a partial User: UserAttributes merge per key.
type UserRequest struct {
	UserAttributes map[string][]string `json:"UserAttributes"`
	UserID         *string             `json:"UserId"`
}

// EndpointBatchItem is one item of UpdateEndpointsBatch.
type EndpointBatchItem struct {
	ID *string `json:"Id"`
	EndpointRequest
}

// EndpointBatchRequest is the body of UpdateEndpointsBatch.
type EndpointBatchRequest struct {
	Item []EndpointBatchItem `json:"Item"`
}

// EndpointsResponse is the body of GetUserEndpoints and DeleteUserEndpoints.
type EndpointsResponse struct {
	Item []Endpoint `json:"Item"`
}

// MessageBody is the body of most 202 answers and of every error.
type MessageBody struct {
	Message   string `json:"Message"`
	RequestID string `json:"RequestID"`
}

// TagsModel is the body of TagResource and ListTagsForResource.
type TagsModel struct {
	Tags map[string]string `json:"tags"`
}
