package pinpoint

// Member is what the per-user rule needs to know about one endpoint of a user.
type Member struct {
	ID            string
	ChannelType   string
	EffectiveDate string // TimeFormat, so it orders as a string
}

// JoinUser applies the endpoints-per-user rule of spec §6.3 to e, which is about to belong to
// e.User.UserID, whose other endpoints are members (e itself excluded).
//
// It returns "" when e may join; the ID of the member that must be made INACTIVE and lose its UserId
// when e is a push endpoint and the user is full; or a BadRequestException when the user is full and
// nothing may be evicted.
func JoinUser(e *Endpoint, members []Member) (evict string, err error) {
	if len(members) < MaxEndpointsPerUser {
		return "", nil
	}
	full := BadRequest("user %q already has %d endpoints; the limit is %d endpoints per UserId", e.User.UserID, len(members), MaxEndpointsPerUser)
	if !pushChannels[e.ChannelType] {
		return "", full
	}
	var victim *Member
	for i := range members {
		m := &members[i]
		if !pushChannels[m.ChannelType] {
			continue
		}
		if victim == nil || m.EffectiveDate < victim.EffectiveDate || m.EffectiveDate == victim.EffectiveDate && m.ID < victim.ID {
			victim = m
		}
	}
	if victim == nil {
		return "", full
	}
	return victim.ID, nil
}
