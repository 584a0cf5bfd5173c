package rest

import (
	"context"
	"net/http"

	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/resources"
)

// bundle serves POST /fhir with a batch or transaction Bundle. Response
// entries carry the resources only with Prefer: return=representation
// (bundles are large; minimal is the default here).
func (h *Handler) bundle(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := h.readResource(r)
	if err != nil {
		return err
	}
	if rt, _ := b["resourceType"].(string); rt != "Bundle" {
		return fhir.ErrorAt(fhir.IssueInvalid, "resourceType", "POST to the base URL takes a batch or transaction Bundle, not %q", rt)
	}
	ret := resources.Return(preferReturn(r, string(resources.ReturnMinimal)))
	// Every entry passes the same policy decision as the interaction it
	// stands for.
	ctx := resources.WithAuthorizer(r.Context(), func(ctx context.Context, interaction, typ, id string) error {
		_, err := h.decide(ctx, &c.access, interaction, typ)
		return err
	})
	render := func(w http.ResponseWriter, out *resources.BundleResponse) {
		writeJSON(w, c.fmt, http.StatusOK, out.Bundle(ret))
	}
	ctx = answering(ctx, c, render)
	var out *resources.BundleResponse
	switch t, _ := b["type"].(string); t {
	case "transaction":
		out, err = h.cfg.Service.Transaction(ctx, b)
	case "batch":
		out, err = h.cfg.Service.Batch(ctx, b)
	default:
		return fhir.ErrorAt(fhir.IssueInvalid, "Bundle.type", "POST to the base URL takes Bundle.type transaction or batch, not %q", t)
	}
	if err != nil {
		return err
	}
	respond(w, c, out, render)
	return nil
}
