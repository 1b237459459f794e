// Package store declares what pinpointd needs from a database: the Store interface, its
// contracts and its sentinel errors. Backends live in sub-packages (sqlite, postgres) and are
// held to one contract by the conformance suite in storetest.
//
// The store stores; the domain (package pinpoint) decides. Endpoint writes take an updater
// function that the backend runs inside its transaction, so the merge rules stay in one place
// while the database makes them atomic and serializes them against concurrent writers.
package store
