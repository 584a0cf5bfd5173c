package identity

import (
	"context"
	"strings"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/store"
)

// LaunchTTL is how long an EHR launch id may wait for its authorization
// request.
const LaunchTTL = 5 * time.Minute

// KindLaunch is the record kind of EHR launch contexts.
const KindLaunch = "launch"

// LaunchContext is what an EHR launch id stands for: a clinician
// launching a client's app for a patient (SMART App Launch v2, EHR launch).
type LaunchContext struct {
	Account string    `json:"account"`
	Client  string    `json:"client"`
	Patient string    `json:"patient"`
	Used    bool      `json:"used,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// CreateLaunch records that account launches client c's app for patient
// and returns the opaque launch id (random, stored only as a hash) to
// send to the app's launch URL. It lives LaunchTTL and is spent by the
// one authorization it starts (Authorize). The caller has decided that
// account may see the patient (auth.Policy); c must have a launch URL
// (else ErrInvalidRequest). The act is audited.
func (s *Service) CreateLaunch(ctx context.Context, account Account, c Client, patient string) (string, error) {
	if c.LaunchURL == "" || strings.TrimSpace(patient) == "" || account.ID == "" {
		return "", ErrInvalidRequest
	}
	id, err := newSecret("ytl_")
	if err != nil {
		return "", err
	}
	err = s.act(ctx, func(tx store.Tx) (*audit.Entry, error) {
		now := tx.Now()
		l := LaunchContext{Account: account.ID, Client: c.ID, Patient: patient, Created: now, Expires: now.Add(LaunchTTL)}
		if err := insertJSON(ctx, tx, KindLaunch, hashKey(id), &l, l.Expires); err != nil {
			return nil, err
		}
		return &audit.Entry{Action: "launch", Agent: agentOf(&account, c.ID), OnBehalfOf: patientRef(patient),
			Detail: "EHR launch of client " + c.ID}, nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// Launch returns the live, unused launch context of id if it belongs to
// account and client c, else ErrInvalidLaunch. It spends nothing: the
// authorization page shows it, and Authorize spends it.
func (s *Service) Launch(ctx context.Context, id string, account Account, c Client) (LaunchContext, error) {
	var l LaunchContext
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		l, err = liveLaunch(ctx, tx, id, account, c)
		return err
	})
	return l, err
}

func liveLaunch(ctx context.Context, tx store.Tx, id string, account Account, c Client) (LaunchContext, error) {
	var l LaunchContext
	err := getJSON(ctx, tx, KindLaunch, hashKey(id), &l)
	if isNotFound(err) {
		return LaunchContext{}, ErrInvalidLaunch
	} else if err != nil {
		return LaunchContext{}, err
	}
	if l.Used || l.Account != account.ID || l.Client != c.ID || !tx.Now().Before(l.Expires) {
		return LaunchContext{}, ErrInvalidLaunch
	}
	return l, nil
}

// spendLaunch marks the live launch l of id used.
func spendLaunch(ctx context.Context, tx store.Tx, id string, l LaunchContext) error {
	l.Used = true
	return putJSON(ctx, tx, KindLaunch, hashKey(id), &l, l.Expires)
}
