package rest

import (
	"net/http"
	"net/url"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// ifMatch reads the If-Match header (0 when absent).
func ifMatch(r *http.Request) (int64, error) {
	v := r.Header.Get("If-Match")
	if v == "" {
		return 0, nil
	}
	n, err := resources.ParseETag(v)
	if err != nil {
		return 0, fhir.Errorf(fhir.IssueInvalid, "If-Match: %v", err)
	}
	return n, nil
}

// checkType checks that a request body is a resource of type typ; where
// says where typ came from ("the URL names").
func checkType(res map[string]any, typ, where string) error {
	rt, ok := res["resourceType"].(string)
	switch {
	case !ok || rt == "":
		return fhir.ErrorAt(fhir.IssueRequired, "resourceType", "the body has no resourceType; %s %s", where, typ)
	case rt != typ:
		return fhir.ErrorAt(fhir.IssueInvalid, "resourceType", "the body is a %q but %s %s", rt, where, typ)
	}
	return nil
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := h.readResource(r)
	if err != nil {
		return err
	}
	if err := checkType(res, c.typ, "it was posted to"); err != nil {
		return err
	}
	render := func(w http.ResponseWriter, out resources.Result) {
		status := http.StatusCreated
		if out.Unchanged {
			status = http.StatusOK
		}
		h.writeResult(w, r, c, status, out, true)
	}
	out, err := h.cfg.Service.Create(answering(r.Context(), c, render), res, r.Header.Get("If-None-Exist"))
	if err != nil {
		return err
	}
	respond(w, c, out, render)
	return nil
}

func (h *Handler) read(w http.ResponseWriter, r *http.Request, c *call) error {
	out, err := h.cfg.Service.Read(r.Context(), c.typ, c.id)
	if err != nil {
		if out.Version.VersionID > 0 {
			w.Header().Set("ETag", resources.ETag(out.Version.VersionID))
		}
		return err
	}
	if err := h.mustSee(r.Context(), c, out.Version); err != nil {
		return err
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if n, perr := resources.ParseETag(inm); perr == nil && n == out.Version.VersionID {
			w.Header().Set("ETag", resources.ETag(n))
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
	}
	if err := h.mustSee(r.Context(), c, out.Version); err != nil {
		return err
	}
	c.disclose(out.Version)
	h.writeRead(w, c, out)
	return nil
}

// writeRead answers a read or vread (Prefer does not apply to reads).
func (h *Handler) writeRead(w http.ResponseWriter, c *call, out resources.Result) {
	w.Header().Set("ETag", resources.ETag(out.Version.VersionID))
	w.Header().Set("Last-Modified", out.Version.LastUpdated.UTC().Format(http.TimeFormat))
	writeJSON(w, c.fmt, http.StatusOK, out.Resource)
}

func (h *Handler) vread(w http.ResponseWriter, r *http.Request, c *call) error {
	out, err := h.cfg.Service.VRead(r.Context(), c.typ, c.id, r.PathValue("vid"))
	if err != nil {
		return err
	}
	if err := h.mustSee(r.Context(), c, out.Version); err != nil {
		return err
	}
	c.disclose(out.Version)
	h.writeRead(w, c, out)
	return nil
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := h.readResource(r)
	if err != nil {
		return err
	}
	im, err := ifMatch(r)
	if err != nil {
		return err
	}
	render := h.putRender(r, c)
	out, err := h.cfg.Service.Update(answering(r.Context(), c, render), c.typ, c.id, res, im)
	if err != nil {
		return err
	}
	respond(w, c, out, render)
	return nil
}

// putRender answers an update: 201 with Location when it created the
// resource, else 200.
func (h *Handler) putRender(r *http.Request, c *call) func(http.ResponseWriter, resources.Result) {
	return func(w http.ResponseWriter, out resources.Result) {
		h.writeResult(w, r, c, resources.WriteStatus("PUT", out), out, out.Created)
	}
}

// criteria returns the query string of a conditional interaction, without
// the _format/_pretty parameters that govern the response only.
func criteria(r *http.Request) (string, error) {
	q := r.URL.Query()
	q.Del("_format")
	q.Del("_pretty")
	if len(q) == 0 {
		return "", fhir.Errorf(fhir.IssueInvalid, "a conditional %s needs search criteria in the URL", r.Method)
	}
	return url.Values(q).Encode(), nil
}

func (h *Handler) conditionalUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	crit, err := criteria(r)
	if err != nil {
		return err
	}
	res, err := h.readResource(r)
	if err != nil {
		return err
	}
	if err := checkType(res, c.typ, "the URL names"); err != nil {
		return err
	}
	im, err := ifMatch(r)
	if err != nil {
		return err
	}
	render := h.putRender(r, c)
	out, err := h.cfg.Service.ConditionalUpdate(answering(r.Context(), c, render), c.typ, crit, res, im)
	if err != nil {
		return err
	}
	respond(w, c, out, render)
	return nil
}

func (h *Handler) readPatch(r *http.Request) ([]byte, int64, error) {
	if err := checkContentType(r, bodyJSONPatch); err != nil {
		return nil, 0, err
	}
	body, err := readBody(r)
	if err != nil {
		return nil, 0, err
	}
	im, err := ifMatch(r)
	return body, im, err
}

func (h *Handler) patch(w http.ResponseWriter, r *http.Request, c *call) error {
	body, im, err := h.readPatch(r)
	if err != nil {
		return err
	}
	render := h.okRender(r, c)
	out, err := h.cfg.Service.Patch(answering(r.Context(), c, render), c.typ, c.id, body, im)
	if err != nil {
		return err
	}
	respond(w, c, out, render)
	return nil
}

// okRender answers a patch (or an operation that answers the resource it
// changed) with 200.
func (h *Handler) okRender(r *http.Request, c *call) func(http.ResponseWriter, resources.Result) {
	return func(w http.ResponseWriter, out resources.Result) {
		h.writeResult(w, r, c, http.StatusOK, out, false)
	}
}

func (h *Handler) conditionalPatch(w http.ResponseWriter, r *http.Request, c *call) error {
	crit, err := criteria(r)
	if err != nil {
		return err
	}
	body, im, err := h.readPatch(r)
	if err != nil {
		return err
	}
	render := h.okRender(r, c)
	out, err := h.cfg.Service.ConditionalPatch(answering(r.Context(), c, render), c.typ, crit, body, im)
	if err != nil {
		return err
	}
	respond(w, c, out, render)
	return nil
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, c *call) error {
	im, err := ifMatch(r)
	if err != nil {
		return err
	}
	out, err := h.cfg.Service.Delete(answering(r.Context(), c, h.writeDeleted), c.typ, c.id, im)
	if err != nil {
		return err
	}
	respond(w, c, out, h.writeDeleted)
	return nil
}

func (h *Handler) writeDeleted(w http.ResponseWriter, out resources.Result) {
	if out.Version.VersionID > 0 && !out.Unchanged {
		w.Header().Set("ETag", resources.ETag(out.Version.VersionID))
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) conditionalDelete(w http.ResponseWriter, r *http.Request, c *call) error {
	crit, err := criteria(r)
	if err != nil {
		return err
	}
	out, err := h.cfg.Service.ConditionalDelete(answering(r.Context(), c, h.writeDeleted), c.typ, crit)
	if err != nil {
		return err
	}
	respond(w, c, out, h.writeDeleted)
	return nil
}
