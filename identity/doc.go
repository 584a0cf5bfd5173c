// Package identity keeps the platform's accounts, OAuth clients and tokens:
// passwords (argon2id), TOTP second factors (RFC 6238), login throttling
// that an attacker cannot turn against the account's owner, web sessions,
// authorization codes, access and refresh tokens with rotation and reuse
// detection. Everything is stored as store records and every act that
// changes them appends its audit entry in the same transaction.
//
// Secrets are never stored: passwords as argon2id hashes, tokens, codes and
// client secrets as SHA-256 hashes of 256-bit random values.
package identity
