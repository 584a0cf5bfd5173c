// Package audit is Yitong's tamper-evident audit log.
//
// Every act (an interaction of the FHIR API, an operation, a login, a
// policy decision, an administrative action) becomes an Entry. An act that
// writes appends its entry in the same store transaction as the write, so
// no committed act lacks its entry, also across crashes. Reads, refusals
// and failures are appended in batches by a background writer (Log.Record),
// so that auditing does not slow them down.
//
// Entries are the leaves of an append-only Merkle tree hashed as RFC 6962
// and RFC 9162 describe (leaf and node domain separation), with SM3 by
// default or SHA-256. A sequencer (Log.Sequence) places committed entries
// in the tree in commit order and stores the hashes of its perfect
// subtrees, from which inclusion and consistency proofs are built in
// O(log n) reads. Checkpoints (tree size, root hash, time) are signed with
// the platform key, SM2 with SM3 by default. Verify recomputes the whole
// tree from the entries and checks every checkpoint; VerifyExport does the
// same offline, from an export and the platform's public key alone.
//
// Entries are kept for the retention period (Settings, SetRetention: at
// least the legal minimum of package rules, changed by audit
// administrators only). Prune drops the content of older entries up to a
// checkpoint signed before the cutoff and keeps their leaf hashes, so the
// tree, its proofs and Verify still cover them.
package audit
