package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/store"
)

// Break-the-glass review: every emergency access (X-Break-Glass-Reason) is
// flagged in the audit log; the regulators of the region the patient
// lives in see it on their home page until one of them reviews it, with a
// verdict and a note. The review is kept as a record and audited in the
// same transaction.

// kindBTGReview is the record kind of reviews, keyed by the entry's seq.
const kindBTGReview = "btg-review"

// btgVerdicts are the verdicts a review gives.
var btgVerdicts = []string{"justified", "unjustified"}

// maxReviewNote bounds a review's note (characters).
const maxReviewNote = 1000

// btgReview is a regulator's review of one break-the-glass act.
type btgReview struct {
	Verdict  string    `json:"verdict"`
	Note     string    `json:"note,omitempty"`
	Reviewer string    `json:"reviewer"` // account id
	Name     string    `json:"name"`     // the reviewer's user name, as shown
	Time     time.Time `json:"time"`
}

// btgRow is a break-the-glass act on the review page.
type btgRow struct {
	accessRow
	Reason                   string
	Verdict, Note, Reviewer  string
	ReviewedAt               string
	Reviewed, VerdictWarning bool
}

// mayReview reports whether the session reviews break-the-glass acts:
// regulators, through the policy's regional filter.
func (h *Handler) mayReview(s *signedIn) bool {
	return h.cfg.Audit != nil && h.cfg.Resources != nil && h.cfg.Policy != nil && s.account.Role == identity.RoleRegulator
}

// btgEntries returns the break-the-glass acts on patients of the
// regulator's region, newest first (at most maxRows), with their reviews.
func (h *Handler) btgEntries(r *http.Request, s *signedIn) ([]btgRow, error) {
	ctx := r.Context()
	acc, err := h.cfg.Policy.Decide(ctx, &auth.Principal{Account: &s.account}, "read", "Patient")
	if fhir.CodeOf(err) == fhir.IssueForbidden {
		return nil, nil // no valid region: nothing to review
	} else if err != nil {
		return nil, err
	}
	recs, err := h.cfg.Audit.Find(ctx, store.AuditQuery{Terms: []store.AuditTerm{{Kind: audit.TermFlag, Value: audit.FlagBreakGlass}}, Count: 10 * maxRows})
	if err != nil {
		return nil, err
	}
	var mine []store.AuditRecord
	reasons := map[int64]string{}
	for _, rec := range recs {
		e, err := audit.ParseEntry(rec.Body)
		if err != nil {
			return nil, err
		}
		ok, err := acc.Reaches(ctx, e.Patients)
		if err != nil {
			return nil, err
		}
		if ok {
			mine = append(mine, rec)
			reasons[rec.Seq] = e.Reason
		}
	}
	rows, err := h.rows(r, s, mine)
	if err != nil {
		return nil, err
	}
	out := make([]btgRow, len(rows))
	err = h.cfg.Resources.Store().View(ctx, func(tx store.Tx) error {
		for i, row := range rows {
			out[i] = btgRow{accessRow: row, Reason: reasons[row.Seq]}
			rv, ok, err := getReview(ctx, tx, row.Seq)
			if err != nil {
				return err
			}
			if ok {
				out[i].Reviewed, out[i].Verdict, out[i].Note, out[i].Reviewer = true, rv.Verdict, rv.Note, rv.Name
				out[i].ReviewedAt = rv.Time.In(shanghai).Format("2006-01-02 15:04")
				out[i].VerdictWarning = rv.Verdict == "unjustified"
			}
		}
		return nil
	})
	return out, err
}

func getReview(ctx context.Context, tx store.Tx, seq int64) (btgReview, bool, error) {
	rec, err := tx.Records().Get(ctx, kindBTGReview, strconv.FormatInt(seq, 10))
	if fhir.CodeOf(err) == fhir.IssueNotFound {
		return btgReview{}, false, nil
	} else if err != nil {
		return btgReview{}, false, err
	}
	var rv btgReview
	if err := json.Unmarshal(rec.Value, &rv); err != nil {
		return btgReview{}, false, err
	}
	return rv, true, nil
}

// pendingReviews counts the regulator's break-the-glass acts not yet
// reviewed (for the home page).
func (h *Handler) pendingReviews(r *http.Request, s *signedIn) (int, error) {
	if !h.mayReview(s) {
		return 0, nil
	}
	rows, err := h.btgEntries(r, s)
	n := 0
	for _, row := range rows {
		if !row.Reviewed {
			n++
		}
	}
	return n, err
}

// reviewer returns the signed-in regulator, or answers (sign-in, or the
// refusal) and returns nil.
func (h *Handler) reviewer(w http.ResponseWriter, r *http.Request) *signedIn {
	s := h.require(w, r)
	if s != nil && !h.mayReview(s) {
		h.refuse(w, r, s, http.StatusForbidden, "btg.forbidden")
		return nil
	}
	return s
}

func (h *Handler) btgPage(w http.ResponseWriter, r *http.Request) {
	s := h.reviewer(w, r)
	if s == nil {
		return
	}
	h.renderBTG(w, r, s, http.StatusOK, "", r.URL.Query().Get("saved") == "1")
}

func (h *Handler) renderBTG(w http.ResponseWriter, r *http.Request, s *signedIn, status int, errKey string, done bool) {
	p := newPage(r, "btg.title", s)
	p.Error, p.Done = errKey, done
	var err error
	if p.Reviews, err = h.btgEntries(r, s); err != nil {
		h.fail(w, err)
		return
	}
	h.render(w, r, status, "btg.html", p)
}

// reviewBTG records a regulator's verdict on one break-the-glass act of
// their region. An act is reviewed once.
func (h *Handler) reviewBTG(w http.ResponseWriter, r *http.Request) {
	s := h.reviewer(w, r)
	if s == nil {
		return
	}
	if !bounded(w, r) || !checkCSRF(r, s.session.CSRF) {
		h.renderBTG(w, r, s, http.StatusBadRequest, "identity.csrf", false)
		return
	}
	seq, err := strconv.ParseInt(r.PostFormValue("seq"), 10, 64)
	verdict, note := r.PostFormValue("verdict"), strings.TrimSpace(r.PostFormValue("note"))
	if err != nil || !contains(btgVerdicts, verdict) || !utf8.ValidString(note) || utf8.RuneCountInString(note) > maxReviewNote ||
		(verdict == "unjustified" && note == "") {
		h.renderBTG(w, r, s, http.StatusBadRequest, "btg.bad", false)
		return
	}
	rows, err := h.btgEntries(r, s)
	if err != nil {
		h.fail(w, err)
		return
	}
	var target *btgRow
	for i := range rows {
		if rows[i].Seq == seq {
			target = &rows[i]
		}
	}
	if target == nil {
		// Not a break-the-glass act of this regulator's region.
		h.renderBTG(w, r, s, http.StatusNotFound, "btg.unknown", false)
		return
	}
	rv := btgReview{Verdict: verdict, Note: note, Reviewer: s.account.ID, Name: s.account.Username}
	ctx := actContext(r, s)
	var patients []string
	if target.Patients != "" {
		patients = strings.Split(target.Patients, ", ")
	}
	err = audit.Act(ctx, h.cfg.Resources.Store(), h.cfg.Audit, isConflict, func(tx store.Tx) (*audit.Entry, error) {
		rv.Time = tx.Now()
		body, err := json.Marshal(rv)
		if err != nil {
			return nil, err
		}
		e := &audit.Entry{Action: "btg-review", Patients: patients, Detail: "entry " + strconv.FormatInt(seq, 10) + ": " + verdict}
		if err := tx.Records().Insert(ctx, store.Record{Kind: kindBTGReview, Key: strconv.FormatInt(seq, 10), Value: body}); err != nil {
			if isConflict(err) {
				e.Outcome, e.Detail = audit.OutcomeFailed, e.Detail+" (already reviewed)"
			}
			return e, err
		}
		return e, nil
	})
	if isConflict(err) {
		h.renderBTG(w, r, s, http.StatusConflict, "btg.already", false)
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	// Post/redirect/get: reloading repeats nothing.
	http.Redirect(w, r, "/btg?saved=1", http.StatusSeeOther)
}

func isConflict(err error) bool { return fhir.CodeOf(err) == fhir.IssueConflict }
