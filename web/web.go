// Package web serves Yitong's pages: server-rendered html/template pages
// from an embedded file system, with every user-facing string taken from the
// i18n catalogue. Templates are parsed and checked at start-up.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"github.com/yitong-health/yitong/web/i18n"
)

//go:embed templates/*.html
var templates embed.FS

// Config configures the pages.
type Config struct {
	Version string
	Dialect string
}

// Handler serves the pages.
type Handler struct {
	cfg  Config
	tmpl *template.Template
	mux  *http.ServeMux
}

// New parses the templates (panicking on a broken template: that is a
// programming error caught by the tests) and returns the handler.
func New(cfg Config) *Handler {
	// The "t" function is replaced per request with the request's language.
	t := template.Must(template.New("").Funcs(template.FuncMap{"t": func(string) string { return "" }}).ParseFS(templates, "templates/*.html"))
	h := &Handler{cfg: cfg, tmpl: t, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /{$}", h.home)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	lang := i18n.FromRequest(r)
	if q := r.URL.Query().Get("lang"); q != "" {
		http.SetCookie(w, &http.Cookie{Name: "yitong_lang", Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	h.render(w, lang, "home.html", map[string]any{
		"Lang": string(lang), "Base": scheme + "://" + r.Host + "/fhir",
		"Version": h.cfg.Version, "Dialect": h.cfg.Dialect,
	})
}

func (h *Handler) render(w http.ResponseWriter, lang i18n.Lang, name string, data any) {
	t, err := h.tmpl.Clone()
	if err != nil {
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	t.Funcs(template.FuncMap{"t": func(key string) string { return i18n.T(lang, key) }})
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", string(lang))
	_, _ = w.Write(buf.Bytes()) // a failed write means the client went away
}
