package postgres

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unique violations are recognized by constraint whatever shard suffix Citus gives them, and
// when a worker's error reaches the coordinator without ConstraintName, from the message alone.
func TestViolatesRecognizesShardConstraints(t *testing.T) {
	cases := []struct {
		name       string
		err        *pgconn.PgError
		constraint string
		want       bool
	}{
		{"plain PostgreSQL", &pgconn.PgError{Code: "23505", ConstraintName: "endpoints_pkey"}, constraintEndpointKey, true},
		{"shard suffix in ConstraintName", &pgconn.PgError{Code: "23505", ConstraintName: "endpoints_pkey_102070"}, constraintEndpointKey, true},
		{"other constraint", &pgconn.PgError{Code: "23505", ConstraintName: "endpoints_active_address_102071"}, constraintEndpointKey, false},
		{"longer name sharing the prefix", &pgconn.PgError{Code: "23505", ConstraintName: "endpoints_pkey_old"}, constraintEndpointKey, false},
		{"suffix that is not a shard ID", &pgconn.PgError{Code: "23505", ConstraintName: "endpoints_pkey_"}, constraintEndpointKey, false},
		{"Citus worker error, English", &pgconn.PgError{Code: "23505",
			Message: `duplicate key value violates unique constraint "endpoints_pkey_102070"`}, constraintEndpointKey, true},
		{"Citus worker error, German quotes", &pgconn.PgError{Code: "23505",
			Message: `doppelter Schlüsselwert verletzt Unique-Constraint »endpoints_active_address_102008«`}, constraintActiveAddress, true},
		{"message naming another constraint", &pgconn.PgError{Code: "23505",
			Message: `duplicate key value violates unique constraint "xendpoints_pkey_102070"`}, constraintEndpointKey, false},
		{"message with the name twice, first as part of another", &pgconn.PgError{Code: "23505",
			Message: `"apps_pkey_x" then "apps_pkey_7"`}, "apps_pkey", true},
		{"message without a name", &pgconn.PgError{Code: "23505", Message: "duplicate key value"}, constraintEndpointKey, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := violates(c.err, c.constraint); got != c.want {
				t.Errorf("violates(%+v, %q) = %v, want %v", c.err, c.constraint, got, c.want)
			}
		})
	}
}

// A collision of concurrent writers on a Citus shard is retried, and a duplicate app or key ID is
// "already exists", exactly as on a single PostgreSQL.
func TestShardCollisionsAreRetriedAndReported(t *testing.T) {
	shardErr := func(constraint string) error {
		return fmt.Errorf("commit: %w", &pgconn.PgError{Code: "23505",
			Message: fmt.Sprintf(`duplicate key value violates unique constraint "%s_102070"`, constraint)})
	}
	for _, c := range []string{constraintEndpointKey, constraintActiveAddress} {
		if !retryable(&dbError{err: shardErr(c)}, 1) {
			t.Errorf("a shard's violation of %s is not retried", c)
		}
	}
	if retryable(&dbError{err: shardErr("users_pkey")}, 1) {
		t.Errorf("a violation of users_pkey is retried; only the endpoint key and the address index are")
	}
	for _, c := range []string{"apps_pkey", "keys_pkey"} {
		if !isUnique(shardErr(c), c) {
			t.Errorf("isUnique does not recognize a shard's violation of %s", c)
		}
	}
}
