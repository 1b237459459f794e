package pinpoint

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// This file holds the rules of the application-level operations: CreateApp's body, the tags of
// TagResource and UntagResource, and RemoveAttributes' exclusion lists. Each check runs before
// anything is written; where a message names a key, keys are checked in sorted order, so the
// same bad request always gets the same message.

// Validate checks a CreateApp body: Name is required and not blank, and Tags obey the limits of
// ValidateTags.
func (r *CreateApplicationRequest) Validate() error {
	if r.Name == nil || strings.TrimSpace(*r.Name) == "" {
		return BadRequest("Name is required")
	}
	return ValidateTags(r.Tags, 0)
}

// Validate checks a TagResource body: tags is required and obeys the limits of ValidateTags.
func (r *TagsModel) Validate() error {
	if r.Tags == nil {
		return BadRequest("tags is required")
	}
	return ValidateTags(r.Tags, 0)
}

// ValidateTags checks tags against the TagsModel limits: at most MaxTags tags (existing counts
// the tags the resource keeps besides these), keys of 1 to MaxTagKeyLen characters not starting
// with "aws:" in any case, values of at most MaxTagValueLen characters.
func ValidateTags(tags map[string]string, existing int) error {
	if n := len(tags) + existing; n > MaxTags {
		return BadRequest("tags: a resource may have at most %d tags; this would give it %d", MaxTags, n)
	}
	for _, k := range sortedKeys(tags) {
		if n := utf8.RuneCountInString(k); n == 0 || n > MaxTagKeyLen {
			return BadRequest("tags: key %q must be 1 to %d characters long", k, MaxTagKeyLen)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return BadRequest("tags: key %q must not start with \"aws:\"", k)
		}
		if n := utf8.RuneCountInString(tags[k]); n > MaxTagValueLen {
			return BadRequest("tags: value of key %q is %d characters long; the limit is %d", k, n, MaxTagValueLen)
		}
	}
	return nil
}

// MergeTags adds tags to a resource's tags old (nil: none), a key sent replacing its value, and
// returns the result, or a BadRequestException when the resource would hold more than MaxTags
// tags. It changes old in place; tags must have passed ValidateTags.
func MergeTags(old, tags map[string]string) (map[string]string, error) {
	kept := 0
	for k := range old {
		if _, ok := tags[k]; !ok {
			kept++
		}
	}
	if err := ValidateTags(tags, kept); err != nil {
		return nil, err
	}
	if old == nil {
		old = make(map[string]string, len(tags))
	}
	for k, v := range tags {
		old[k] = v
	}
	return old, nil
}

// ValidateTagKeys checks the tagKeys of UntagResource: at least one is required.
func ValidateTagKeys(keys []string) error {
	if len(keys) == 0 {
		return BadRequest("tagKeys is required")
	}
	return nil
}

// UpdateAttributesRequest is the body of RemoveAttributes.
type UpdateAttributesRequest struct {
	Blacklist []string `json:"Blacklist"`
}

// AttributesResource is the body of RemoveAttributes' answer.
type AttributesResource struct {
	ApplicationID string   `json:"ApplicationId"`
	AttributeType string   `json:"AttributeType"`
	Attributes    []string `json:"Attributes"`
}

// ValidateAttributeType checks the attribute-type of RemoveAttributes' path.
func ValidateAttributeType(typ string) error {
	switch typ {
	case AttrTypeCustom, AttrTypeMetric, AttrTypeUser:
		return nil
	}
	return BadRequest("attribute-type %q must be one of %s, %s, %s", typ, AttrTypeCustom, AttrTypeMetric, AttrTypeUser)
}

// Validate checks a RemoveAttributes body: each name is an attribute name of 1 to MaxAttrNameLen
// characters, optionally followed by a '*' that makes it match every name with that prefix ("*"
// alone matches every name).
func (r *UpdateAttributesRequest) Validate() error {
	for i, name := range r.Blacklist {
		base := strings.TrimSuffix(name, "*")
		if name == "" || utf8.RuneCountInString(base) > MaxAttrNameLen {
			return BadRequest("Blacklist[%d] %q must be 1 to %d characters long (a trailing * matches a prefix)", i, name, MaxAttrNameLen)
		}
	}
	return nil
}

// Exclude adds names to the app's exclusion list for the attribute type typ, which must have
// passed ValidateAttributeType, keeping the list sorted with each name once. Later updates and
// events drop the excluded attributes; stored values are kept, as in Pinpoint.
func (a *App) Exclude(typ string, names []string) {
	if a.Excluded == nil {
		a.Excluded = map[string][]string{}
	}
	list := a.Excluded[typ]
	for _, name := range names {
		if !slices.Contains(list, name) {
			list = append(list, name)
		}
	}
	slices.Sort(list)
	a.Excluded[typ] = list
}
