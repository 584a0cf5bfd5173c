package audit

import (
	"context"
	"sync/atomic"
)

// Event is the audit context of one request: who asks, from where, for
// what. The HTTP layer creates it and puts it in the request's context;
// services that write add their entry inside their transaction (Log.Written)
// and mark the event recorded, so the HTTP layer records only what is left
// (reads, refusals, failures).
type Event struct {
	RequestID  string
	Action     string
	Type       string
	Agent      Agent
	OnBehalfOf string
	Purpose    string
	BreakGlass bool
	// Reason is the reason given for break-the-glass access.
	Reason string
	Source string

	recorded atomic.Bool
}

type eventKey struct{}

// WithEvent returns ctx carrying ev.
func WithEvent(ctx context.Context, ev *Event) context.Context {
	return context.WithValue(ctx, eventKey{}, ev)
}

// EventFrom returns the context's event, or nil.
func EventFrom(ctx context.Context) *Event {
	ev, _ := ctx.Value(eventKey{}).(*Event)
	return ev
}

// MarkRecorded records that the act's entry was committed with it.
func (ev *Event) MarkRecorded() { ev.recorded.Store(true) }

// Recorded reports whether MarkRecorded was called.
func (ev *Event) Recorded() bool { return ev.recorded.Load() }

// entry returns an entry filled from the event (or, for a nil event, from
// the system agent).
func (ev *Event) entry() Entry {
	if ev == nil {
		return Entry{Agent: SystemAgent}
	}
	return Entry{
		RequestID: ev.RequestID, Action: ev.Action, Type: ev.Type, Agent: ev.Agent,
		OnBehalfOf: ev.OnBehalfOf, Purpose: ev.Purpose, BreakGlass: ev.BreakGlass, Reason: ev.Reason, Source: ev.Source,
	}
}
