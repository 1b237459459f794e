package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// Cognito Identity (AWS JSON 1.1, target prefix AWSCognitoIdentityService): the two calls an
// app's credential provider (Amplify's, the mobile SDKs') makes for a guest of an identity pool.
// Both are unsigned, as on AWS. docs/ARCHITECTURE.md "Identity pools" has the wire and the rules.

// Wire codes of Cognito Identity's errors. All are HTTP 400 but InternalErrorException (500).
const (
	codeInvalidParameter = "InvalidParameterException"
	codeNotAuthorized    = "NotAuthorizedException"
	codeResourceNotFound = "ResourceNotFoundException"
	codeUnknownOperation = "UnknownOperationException"
	codeInternalError    = "InternalErrorException"
)

const (
	cognitoTargetPrefix = "AWSCognitoIdentityService."
	cognitoContentType  = "application/x-amz-json-1.1"
	cognitoMaxBody      = 64 << 10
)

// cognitoID is the model's pattern for IdentityPoolId and IdentityId ("us-east-1:uuid").
var cognitoID = regexp.MustCompile(`^[\w-]+:[0-9a-f-]+$`)

// isCognito reports whether r is a Cognito Identity call (or its CORS preflight). Pinpoint's routes
// all live under /v1/, so "/" belongs to Cognito alone.
func isCognito(r *http.Request) bool {
	return rawPath(r) == "/" && (r.Header.Get("X-Amz-Target") != "" ||
		r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "")
}

type ctxProtocol struct{}

// jsonRPC reports whether the request is answered in AWS JSON 1.1 (a Cognito call).
func jsonRPC(ctx context.Context) bool { v, _ := ctx.Value(ctxProtocol{}).(bool); return v }

// serveCognito serves a Cognito Identity call. It returns the status sent.
func (s *Server) serveCognito(w http.ResponseWriter, r *http.Request, op *string) int {
	r = r.WithContext(context.WithValue(r.Context(), ctxProtocol{}, true))
	if r.Method == http.MethodOptions {
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", "POST")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, cognitoTargetPrefix)
	var handle func(context.Context, []byte) (any, error)
	switch {
	case ok && name == "GetId":
		handle = s.getID
	case ok && name == "GetCredentialsForIdentity":
		handle = s.getCredentialsForIdentity
	default:
		return s.writeError(w, r, pinpoint.Errorf(codeUnknownOperation, "pinpointd serves only GetId and GetCredentialsForIdentity of %s, not X-Amz-Target %q", strings.TrimSuffix(cognitoTargetPrefix, "."), target))
	}
	*op = name
	if r.Method != http.MethodPost {
		return s.writeError(w, r, pinpoint.Errorf(codeInvalidParameter, "%s takes POST /, not %s", name, r.Method))
	}
	// The calls are unsigned: their bodies count against the budget of unauthenticated bodies
	// until they are answered.
	body, release, err := s.readBody(w, r, cognitoMaxBody)
	s.extendWrite(w)
	if err != nil {
		return s.writeError(w, r, err)
	}
	defer release()
	out, err := handle(r.Context(), body)
	if err != nil {
		return s.writeError(w, r, err)
	}
	buf, err := json.Marshal(out)
	if err != nil {
		return s.writeError(w, r, fmt.Errorf("encode response: %w", err))
	}
	w.Header().Set("Content-Type", cognitoContentType)
	w.WriteHeader(http.StatusOK)
	w.Write(buf)
	return http.StatusOK
}

type getIDInput struct {
	AccountID      *string           `json:"AccountId"`
	IdentityPoolID *string           `json:"IdentityPoolId"`
	Logins         map[string]string `json:"Logins"`
}

type getCredentialsInput struct {
	IdentityID    *string           `json:"IdentityId"`
	Logins        map[string]string `json:"Logins"`
	CustomRoleArn *string           `json:"CustomRoleArn"`
}

type cognitoCredentials struct {
	AccessKeyID  string `json:"AccessKeyId"`
	SecretKey    string `json:"SecretKey"`
	SessionToken string `json:"SessionToken"`
	Expiration   int64  `json:"Expiration"` // epoch seconds, the JSON protocol's timestamp
}

type getCredentialsOutput struct {
	IdentityID  string             `json:"IdentityId"`
	Credentials cognitoCredentials `json:"Credentials"`
}

// checkCognitoID validates an IdentityPoolId or IdentityId against the model.
func checkCognitoID(field string, v *string) error {
	if v == nil || *v == "" {
		return pinpoint.Errorf(codeInvalidParameter, "%s is required", field)
	}
	if len(*v) > 55 || !cognitoID.MatchString(*v) {
		return pinpoint.Errorf(codeInvalidParameter, "%s must be at most 55 characters of the form REGION:ID (pattern [\\w-]+:[0-9a-f-]+)", field)
	}
	return nil
}

// noLogins refuses Logins: pinpointd's pools serve unauthenticated (guest) identities only.
func noLogins(logins map[string]string) error {
	if len(logins) > 0 {
		return pinpoint.Errorf(codeNotAuthorized, "Logins are not supported: pinpointd identity pools issue credentials to unauthenticated identities only")
	}
	return nil
}

// livePool returns the pool and checks that its app still exists and that the account may call op.
func (s *Server) livePool(ctx context.Context, poolID, op string) (store.IdentityPool, error) {
	notFound := pinpoint.Errorf(codeResourceNotFound, "IdentityPool '%s' not found.", poolID)
	p, err := s.store.GetPool(ctx, poolID)
	if errors.Is(err, store.ErrPoolNotFound) {
		return p, notFound
	}
	if err != nil {
		return p, err
	}
	if _, err := s.store.GetApp(ctx, p.Account, p.AppID); errors.Is(err, store.ErrAppNotFound) {
		return p, notFound
	} else if err != nil {
		return p, err
	}
	if s.limiter != nil {
		if ok, wait := s.limiter(p.Account, op); !ok {
			secs := max(1, int((wait+time.Second-1)/time.Second))
			return p, &retryAfter{pinpoint.Errorf(pinpoint.CodeTooManyRequests, "Rate exceeded for %s; retry after %d s", op, secs), secs}
		}
	}
	return p, nil
}

// getID creates an identity in a pool (Cognito's GetId for an unauthenticated identity).
func (s *Server) getID(ctx context.Context, body []byte) (any, error) {
	var in getIDInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkCognitoID("IdentityPoolId", in.IdentityPoolID); err != nil {
		return nil, err
	}
	if a := in.AccountID; a != nil && (*a == "" || len(*a) > 15 || strings.Trim(*a, "0123456789") != "") {
		return nil, pinpoint.Errorf(codeInvalidParameter, "AccountId must be 1 to 15 digits")
	}
	if err := noLogins(in.Logins); err != nil {
		return nil, err
	}
	p, err := s.livePool(ctx, *in.IdentityPoolID, "GetId")
	if err != nil {
		return nil, err
	}
	if in.AccountID != nil && *in.AccountID != p.Account {
		return nil, pinpoint.Errorf(codeResourceNotFound, "IdentityPool '%s' not found.", p.ID)
	}
	region, _, _ := strings.Cut(p.ID, ":")
	id := store.Identity{ID: region + ":" + newUUID(), PoolID: p.ID, Created: s.now().UTC()}
	if err := s.store.PutIdentity(ctx, id); err != nil {
		if errors.Is(err, store.ErrPoolNotFound) {
			return nil, pinpoint.Errorf(codeResourceNotFound, "IdentityPool '%s' not found.", p.ID)
		}
		return nil, err
	}
	return struct {
		IdentityID string `json:"IdentityId"`
	}{id.ID}, nil
}

// getCredentialsForIdentity issues a temporary credential to an identity (Cognito's
// GetCredentialsForIdentity for an unauthenticated identity): it acts for the pool's account, on
// the pool's app only, for the pool's actions, until the pool's TTL has passed.
func (s *Server) getCredentialsForIdentity(ctx context.Context, body []byte) (any, error) {
	var in getCredentialsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkCognitoID("IdentityId", in.IdentityID); err != nil {
		return nil, err
	}
	if err := noLogins(in.Logins); err != nil {
		return nil, err
	}
	if in.CustomRoleArn != nil {
		return nil, pinpoint.Errorf(codeInvalidParameter, "CustomRoleArn is not supported: a pool's credentials carry the pool's actions")
	}
	identityNotFound := pinpoint.Errorf(codeResourceNotFound, "Identity '%s' not found.", *in.IdentityID)
	ident, err := s.store.GetIdentity(ctx, *in.IdentityID)
	if errors.Is(err, store.ErrIdentityNotFound) {
		return nil, identityNotFound
	}
	if err != nil {
		return nil, err
	}
	p, err := s.livePool(ctx, ident.PoolID, "GetCredentialsForIdentity")
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	token := randomString(96)
	sum := sha256.Sum256([]byte(token))
	cred := store.TempCredential{
		AccessKeyID: "ASIA" + randomKeyID(16),
		Secret:      randomSecret(40),
		TokenHash:   hex.EncodeToString(sum[:]),
		IdentityID:  ident.ID,
		PoolID:      p.ID,
		Issued:      now,
		Expires:     now.Add(p.TTL).Truncate(time.Second),
	}
	if err := s.store.PutCredential(ctx, cred); err != nil {
		if errors.Is(err, store.ErrIdentityNotFound) {
			return nil, identityNotFound
		}
		return nil, err
	}
	return getCredentialsOutput{IdentityID: ident.ID, Credentials: cognitoCredentials{
		AccessKeyID: cred.AccessKeyID, SecretKey: cred.Secret, SessionToken: token, Expiration: cred.Expires.Unix(),
	}}, nil
}

// cognitoError is the JSON 1.1 form of a wire error: the code in __type (and x-amzn-ErrorType) and
// the status Cognito Identity uses for it. Pinpoint's own codes that a Cognito call can meet are
// renamed to Cognito's.
func cognitoError(e *pinpoint.Error) (code string, status int) {
	switch e.Code {
	case pinpoint.CodeBadRequest, pinpoint.CodePayloadTooLarge:
		return codeInvalidParameter, http.StatusBadRequest
	case pinpoint.CodeInternal:
		return codeInternalError, http.StatusInternalServerError
	case pinpoint.CodeTooManyRequests:
		return e.Code, http.StatusBadRequest
	}
	if statusOf[e.Code] >= 500 {
		return e.Code, statusOf[e.Code]
	}
	return e.Code, http.StatusBadRequest
}

const keyIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// randomKeyID returns n random characters of AWS's access key IDs.
func randomKeyID(n int) string { return randomFrom(keyIDAlphabet, n) }

// randomSecret returns a secret access key of n characters.
func randomSecret(n int) string {
	return randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", n)
}

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i, c := range b {
		b[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(b)
}

// randomString returns n random bytes in standard base64: a session token.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
