package api

import (
	"strings"

	"pinpointd/internal/pinpoint"
)

// routeTable is every operation pinpointd serves: AWS name, method, path, body limit, handler.
func (s *Server) routeTable() []route {
	const body = pinpoint.MaxRequestBytes
	r := func(op, method, path string, maxBody int64, h handlerFunc) route {
		return route{op: op, method: method, pattern: strings.Split(strings.TrimPrefix(path, "/"), "/"), maxBody: maxBody, handle: h}
	}
	return []route{
		r("CreateApp", "POST", "/v1/apps", body, s.createApp),
		r("GetApps", "GET", "/v1/apps", body, s.getApps),
		r("GetApp", "GET", "/v1/apps/{app}", body, s.getApp),
		r("DeleteApp", "DELETE", "/v1/apps/{app}", body, s.deleteApp),

		r("UpdateEndpoint", "PUT", "/v1/apps/{app}/endpoints/{endpoint}", body, s.updateEndpoint),
		r("GetEndpoint", "GET", "/v1/apps/{app}/endpoints/{endpoint}", body, s.getEndpoint),
		r("DeleteEndpoint", "DELETE", "/v1/apps/{app}/endpoints/{endpoint}", body, s.deleteEndpoint),
		r("UpdateEndpointsBatch", "PUT", "/v1/apps/{app}/endpoints", body, s.updateEndpointsBatch),

		r("GetUserEndpoints", "GET", "/v1/apps/{app}/users/{user}", body, s.getUserEndpoints),
		r("DeleteUserEndpoints", "DELETE", "/v1/apps/{app}/users/{user}", body, s.deleteUserEndpoints),

		r("PutEvents", "POST", "/v1/apps/{app}/events", pinpoint.MaxEventsBodyBytes, s.putEvents),
		r("RemoveAttributes", "PUT", "/v1/apps/{app}/attributes/{type}", body, s.removeAttributes),

		r("CreateSegment", "POST", "/v1/apps/{app}/segments", body, s.createSegment),
		r("GetSegments", "GET", "/v1/apps/{app}/segments", body, s.getSegments),
		r("GetSegment", "GET", "/v1/apps/{app}/segments/{segment}", body, s.getSegment),
		r("UpdateSegment", "PUT", "/v1/apps/{app}/segments/{segment}", body, s.updateSegment),
		r("DeleteSegment", "DELETE", "/v1/apps/{app}/segments/{segment}", body, s.deleteSegment),
		r("GetSegmentVersions", "GET", "/v1/apps/{app}/segments/{segment}/versions", body, s.getSegmentVersions),
		r("GetSegmentVersion", "GET", "/v1/apps/{app}/segments/{segment}/versions/{version}", body, s.getSegmentVersion),
		// pinpointd extensions (not in Pinpoint's model): the members of a segment and its size.
		r("GetSegmentEndpoints", "GET", "/v1/apps/{app}/segments/{segment}/endpoints", body, s.getSegmentEndpoints),
		r("GetSegmentSize", "GET", "/v1/apps/{app}/segments/{segment}/size", body, s.getSegmentSize),
		// Import and export jobs (jobs.go).
		r("CreateExportJob", "POST", "/v1/apps/{app}/jobs/export", body, s.createExportJob),
		r("GetExportJobs", "GET", "/v1/apps/{app}/jobs/export", body, s.getExportJobs),
		r("GetExportJob", "GET", "/v1/apps/{app}/jobs/export/{job}", body, s.getExportJob),
		r("CreateImportJob", "POST", "/v1/apps/{app}/jobs/import", body, s.createImportJob),
		r("GetImportJobs", "GET", "/v1/apps/{app}/jobs/import", body, s.getImportJobs),
		r("GetImportJob", "GET", "/v1/apps/{app}/jobs/import/{job}", body, s.getImportJob),
		r("GetSegmentExportJobs", "GET", "/v1/apps/{app}/segments/{segment}/jobs/export", body, s.getSegmentExportJobs),
		r("GetSegmentImportJobs", "GET", "/v1/apps/{app}/segments/{segment}/jobs/import", body, s.getSegmentImportJobs),

		r("TagResource", "POST", "/v1/tags/{arn}", body, s.tagResource),
		r("UntagResource", "DELETE", "/v1/tags/{arn}", body, s.untagResource),
		r("ListTagsForResource", "GET", "/v1/tags/{arn}", body, s.listTagsForResource),
	}
}
