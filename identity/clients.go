package identity

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
)

// Client is an OAuth client: a hospital system (client credentials with a
// secret), or a SMART app (authorization code with PKCE; public unless it
// has a secret).
type Client struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Scope is the most a token of the client may carry (space-separated).
	Scope string `json:"scope"`
	// SecretHash is the SHA-256 of the client secret; empty for public
	// clients.
	SecretHash string `json:"secretHash,omitempty"`
	// JWKS holds the public keys of a private_key_jwt client.
	JWKS json.RawMessage `json:"jwks,omitempty"`
	// RedirectURIs are matched exactly.
	RedirectURIs []string `json:"redirectUris,omitempty"`
	// Organization is the institution a system client acts for.
	Organization string `json:"organization,omitempty"`
	// Purpose is the purpose of use of a system client's requests
	// (ValidPurpose; "" means treatment): residents' Consents refusing it
	// keep the client away from their data.
	Purpose string `json:"purpose,omitempty"`
	// LaunchURL is where a clinician's EHR launch sends the browser
	// (with iss and launch); clients without one cannot be launched.
	LaunchURL string `json:"launchUrl,omitempty"`
}

// PurposeOfUse is the purpose of use of the client's requests.
func (c *Client) PurposeOfUse() string {
	if c.Purpose == "" {
		return PurposeTreatment
	}
	return c.Purpose
}

// Confidential reports whether the client authenticates.
func (c *Client) Confidential() bool { return c.SecretHash != "" || len(c.JWKS) > 0 }

// CreateClient registers c. With secret set it draws a client secret and
// returns it (it is not stored: only its hash). Redirect URIs and the
// launch URL must be absolute http(s) URIs without fragments; a client
// with a launch URL must have the launch scope.
func (s *Service) CreateClient(ctx context.Context, c Client, secret bool) (Client, string, error) {
	if strings.TrimSpace(c.Name) == "" || strings.TrimSpace(c.Scope) == "" {
		return Client{}, "", ErrInvalidRequest
	}
	if c.Purpose != "" && !ValidPurpose(c.Purpose) {
		return Client{}, "", ErrInvalidRequest
	}
	uris := c.RedirectURIs
	if c.LaunchURL != "" {
		uris = append(slices.Clip(uris), c.LaunchURL)
		if sc, err := ParseScopes(c.Scope); err != nil || !sc.Has("launch") {
			return Client{}, "", ErrInvalidRequest
		}
	}
	for _, u := range uris {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.Fragment != "" {
			return Client{}, "", ErrInvalidRequest
		}
	}
	if len(c.JWKS) > 0 {
		if secret {
			return Client{}, "", ErrInvalidRequest // one way to authenticate
		}
		if _, err := parseJWKS(c.JWKS); err != nil {
			return Client{}, "", err
		}
	}
	var plain string
	if secret {
		var err error
		if plain, err = newSecret("ytc_"); err != nil {
			return Client{}, "", err
		}
		c.SecretHash = hashKey(plain)
	}
	c.ID = fhir.NewID()
	err := s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		if err := insertJSON(ctx, tx, kindClient, c.ID, &c, zeroTime); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: "client-create", Detail: "client " + c.ID + ", scope " + c.Scope}, nil
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, plain, nil
}

// Client returns the client with id, or ErrInvalidClient.
func (s *Service) Client(ctx context.Context, id string) (Client, error) {
	var c Client
	err := s.view(ctx, func(tx store.Tx) error { return getJSON(ctx, tx, kindClient, id, &c) })
	if isNotFound(err) {
		return Client{}, ErrInvalidClient
	}
	return c, err
}

// AuthenticateClient checks a client's secret (client_secret_basic or
// client_secret_post). A public client authenticates with its id alone
// when secret is empty.
func (s *Service) AuthenticateClient(ctx context.Context, id, secret string) (Client, error) {
	c, err := s.Client(ctx, id)
	if err != nil {
		return Client{}, err
	}
	if c.SecretHash == "" {
		if secret != "" || len(c.JWKS) > 0 {
			return Client{}, ErrInvalidClient
		}
		return c, nil
	}
	if subtle.ConstantTimeCompare([]byte(hashKey(secret)), []byte(c.SecretHash)) != 1 {
		return Client{}, ErrInvalidClient
	}
	return c, nil
}

// LaunchableClients returns the clients with a launch URL (the apps a
// clinician may launch), by name.
func (s *Service) LaunchableClients(ctx context.Context) ([]Client, error) {
	var out []Client
	err := s.view(ctx, func(tx store.Tx) error {
		after := ""
		for {
			recs, err := tx.Records().List(ctx, kindClient, after, 200)
			if err != nil {
				return err
			}
			for _, r := range recs {
				var c Client
				if err := json.Unmarshal(r.Value, &c); err != nil {
					return err
				}
				if c.LaunchURL != "" {
					out = append(out, c)
				}
			}
			if len(recs) < 200 {
				return nil
			}
			after = recs[len(recs)-1].Key
		}
	})
	slices.SortFunc(out, func(a, b Client) int { return strings.Compare(a.Name, b.Name) })
	return out, err
}
