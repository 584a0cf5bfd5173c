package rest

import (
	"net/http"

	"github.com/yitong-health/yitong/auth"
)

// CORS lets browser apps on other origins (SMART apps) call next: the FHIR
// API and the OAuth token endpoints. They authenticate with bearer tokens,
// never cookies, so any origin may call them; preflight requests are
// answered here, before authentication, as the Fetch standard requires.
func CORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Location, Content-Location, ETag, Last-Modified, X-Request-Id, WWW-Authenticate, Idempotent-Replayed")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Match, If-None-Exist, If-Modified-Since, X-Request-Id, Idempotency-Key, "+auth.BreakGlassHeader)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
