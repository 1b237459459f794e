package pinpoint

// Limits of DESIGN.md "Decisions". Every one is checked before anything is written.
const (
	MaxIDLen             = 256       // endpoint and user IDs
	MaxAddressBytes      = 1024      // an endpoint's Address (push tokens, E.164 numbers, emails, URLs)
	MaxAttrNameLen       = 50        // attribute and metric names
	MaxAttrValueLen      = 100       // one attribute value
	MaxAttrValues        = 50        // values of one attribute
	MaxAttrKeys          = 250       // Attributes + Metrics + UserAttributes keys of one endpoint
	MaxEndpointBytes     = 15 * 1024 // serialized endpoint
	MaxBatchItems        = 100       // items of UpdateEndpointsBatch
	MaxEventsPerRequest  = 100       // events of one PutEvents
	MaxEndpointsPerUser  = 15        // endpoints sharing one UserId
	MaxRequestBytes      = 7 << 20   // any request body (413 beyond)
	MaxEventsBodyBytes   = 4 << 20   // a PutEvents body
	MaxTags              = 50        // tags of one resource
	MaxTagKeyLen         = 128
	MaxTagValueLen       = 256
	MaxEventAttrs        = 40          // attribute + metric keys of one event
	MaxEventAttrValueLen = 200         // one event attribute value
	MaxEventBytes        = 1000 * 1024 // one event, serialized
	DefaultPageSize      = 20
	MaxPageSize          = 1000
)

// Attribute types of RemoveAttributes, as they appear in its path.
const (
	AttrTypeCustom = "endpoint-custom-attributes"
	AttrTypeMetric = "endpoint-metric-attributes"
	AttrTypeUser   = "endpoint-user-attributes"
)

// Channel types of the model's ChannelType enum.
var channelTypes = map[string]bool{
	"PUSH": true, "GCM": true, "APNS": true, "APNS_SANDBOX": true, "APNS_VOIP": true,
	"APNS_VOIP_SANDBOX": true, "ADM": true, "SMS": true, "VOICE": true, "EMAIL": true,
	"BAIDU": true, "CUSTOM": true, "IN_APP": true,
}

// pushChannels are the channels whose 16th endpoint of a user evicts an older one (spec §6.3).
var pushChannels = map[string]bool{
	"ADM": true, "GCM": true, "APNS": true, "APNS_VOIP": true, "APNS_VOIP_SANDBOX": true, "BAIDU": true,
}

// Endpoint statuses and opt-out values.
const (
	StatusActive   = "ACTIVE"
	StatusInactive = "INACTIVE"
	OptOutAll      = "ALL"
	OptOutNone     = "NONE"
)
