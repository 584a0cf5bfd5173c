// Package web serves Yitong's pages: server-rendered html/template pages
// from an embedded file system, with every user-facing string taken from the
// i18n catalogue. Templates are parsed and checked at start-up. Sign-in,
// second-factor enrolment, password change and the OAuth consent screen
// live here; every page that acts checks the session and a CSRF token.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/yitong-health/yitong/audit"
	"github.com/yitong-health/yitong/auth"
	"github.com/yitong-health/yitong/identity"
	"github.com/yitong-health/yitong/prescribing"
	"github.com/yitong-health/yitong/registry"
	"github.com/yitong-health/yitong/resources"
	"github.com/yitong-health/yitong/signing"
	"github.com/yitong-health/yitong/web/i18n"
)

//go:embed templates/*.html
var templates embed.FS

// Config configures the pages.
type Config struct {
	Version string
	Dialect string
	// Identity signs people in; required.
	Identity *identity.Service
	// Signing issues practitioners' signing certificates; nil leaves the
	// signing page out.
	Signing *signing.Service
	// Policy decides what a page may do for its signed-in person.
	Policy *auth.Policy
	// Registry registers practitioners; nil leaves that page out.
	Registry *registry.Registry
	// Resources serves the pages that read and write FHIR data (a
	// resident's consent); nil leaves them out.
	Resources *resources.Service
	// Audit serves the access log and the trace pages; nil leaves them
	// out.
	Audit *audit.Log
	// Prescribing signs and verifies prescriptions: the doctor's
	// workbench; nil leaves it out.
	Prescribing *prescribing.Service
	Logger      *slog.Logger
}

// Handler serves the pages.
type Handler struct {
	cfg   Config
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// pageNames are the page templates; each is parsed with layout.html.
var pageNames = []string{"home.html", "login.html", "mfa.html", "password.html", "authorize.html", "error.html", "signing.html", "practitioners.html", "consents.html", "accesslog.html", "trace.html", "accounts.html", "btg.html", "auditsettings.html", "launch.html", "workbench.html"}

// New parses the templates (panicking on a broken template: that is a
// programming error caught by the tests) and returns the handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{cfg: cfg, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	for _, name := range pageNames {
		// The "t" function is replaced per request with the request's language.
		t := template.New(name).Funcs(template.FuncMap{"t": func(string) string { return "" }})
		h.pages[name] = template.Must(t.ParseFS(templates, "templates/layout.html", path.Join("templates", name)))
	}
	h.mux.HandleFunc("GET /{$}", h.home)
	h.mux.HandleFunc("GET /login", h.loginPage)
	h.mux.HandleFunc("POST /login", h.login)
	h.mux.HandleFunc("POST /logout", h.logout)
	h.mux.HandleFunc("GET /mfa", h.mfaPage)
	h.mux.HandleFunc("POST /mfa", h.mfa)
	h.mux.HandleFunc("GET /password", h.passwordPage)
	h.mux.HandleFunc("POST /password", h.password)
	h.mux.HandleFunc("GET /oauth/authorize", h.authorizePage)
	h.mux.HandleFunc("POST /oauth/authorize", h.authorize)
	h.mux.HandleFunc("GET /launch", h.launchPage)
	h.mux.HandleFunc("POST /launch", h.launch)
	h.mux.HandleFunc("GET /signing", h.signingPage)
	h.mux.HandleFunc("POST /signing", h.issueCertificate)
	h.mux.HandleFunc("GET /admin/practitioners", h.practitionersPage)
	h.mux.HandleFunc("POST /admin/practitioners", h.registerPractitioner)
	h.mux.HandleFunc("GET /consents", h.consentsPage)
	h.mux.HandleFunc("POST /consents", h.refuseOrg)
	h.mux.HandleFunc("POST /consents/withdraw", h.withdrawConsent)
	h.mux.HandleFunc("GET /admin/accounts", h.accountsPage)
	h.mux.HandleFunc("POST /admin/accounts", h.manageAccount)
	h.mux.HandleFunc("GET /access-log", h.accessLog)
	h.mux.HandleFunc("GET /trace", h.trace)
	h.mux.HandleFunc("GET /trace/proof", h.traceProof)
	h.mux.HandleFunc("GET /workbench", h.workbenchPage)
	h.mux.HandleFunc("POST /workbench", h.signPrescription)
	h.mux.HandleFunc("GET /btg", h.btgPage)
	h.mux.HandleFunc("POST /btg", h.reviewBTG)
	if cfg.Audit != nil {
		h.mux.HandleFunc("GET /audit/settings", h.auditSettingsPage)
		h.mux.HandleFunc("POST /audit/settings", h.setAuditSettings)
	}
	h.mux.HandleFunc("GET /pki/ca.crt", h.caCertificate)
	h.mux.HandleFunc("GET /pki/ca-bundle.crt", h.caBundle)
	h.mux.HandleFunc("GET /pki/crl", h.crl)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	return h
}

// ServeHTTP implements http.Handler. Pages are never cached and never
// framed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' http: https:")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if q := r.URL.Query().Get("lang"); q != "" {
		http.SetCookie(w, &http.Cookie{Name: "yitong_lang", Value: string(i18n.FromRequest(r)), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	h.mux.ServeHTTP(w, r)
}

// page is what every page template gets; Data holds the page's own.
type page struct {
	Lang     string
	Title    string
	Account  *identity.Account
	NeedsMFA bool
	CSRF     string
	// page-specific fields
	Base, Version, Dialect, RoleKey  string
	Error, Until, Next, Username     string
	Secret, URI                      string
	Done, Must, Enrolling            bool
	ClientName                       string
	Cert                             *certView
	CanSign, CanRegister, CanConsent bool
	Consents                         []consentView
	Rows                             []accessRow
	TraceKind, TraceValue            string
	Searched, CanTrace, CanLaunch    bool
	Accounts                         []identity.Account
	CanManage                        bool
	Orgs                             []orgOption
	Categories                       []string
	Registrations                    []registry.Entry
	Notice                           string
	Scopes, Patients, Purposes       []string
	Params                           map[string]string
	Reviews                          []btgRow
	CanReview                        bool
	PendingReviews                   int
	AuditSettings                    *auditSettingsView
	CanAuditSettings                 bool
	// LaunchPatient is an EHR launch's patient on the consent page;
	// Launch the clinician's launch page.
	LaunchPatient   string
	Launch          *launchView
	Workbench       *workbenchView
	CanPrescribe    bool
	Message, Detail string
}

// newPage starts a page for the request's language and session.
func newPage(r *http.Request, title string, s *signedIn) *page {
	p := &page{Lang: string(i18n.FromRequest(r)), Title: title}
	if s != nil {
		p.Account, p.CSRF, p.NeedsMFA = &s.account, s.session.CSRF, s.account.Role.NeedsMFA()
		p.CanSign = canSign(&s.account)
		p.CanRegister = s.account.Role == identity.RoleInstitutionAdmin
		p.CanConsent = s.account.Role == identity.RoleResident
		p.CanTrace = s.account.Role == identity.RoleRegulator || s.account.Role == identity.RoleAuditAdmin
		p.CanManage = s.account.Role == identity.RoleSecurityAdmin
		p.CanReview = s.account.Role == identity.RoleRegulator
		p.CanAuditSettings = canReadAuditSettings(s)
		p.CanLaunch = s.account.Role.Clinical()
		p.CanPrescribe = s.account.Role == identity.RoleDoctor && s.account.Practitioner != ""
	}
	return p
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, err := h.pages[name].Clone()
	if err != nil {
		h.fail(w, err)
		return
	}
	lang := i18n.Lang(p.Lang)
	t.Funcs(template.FuncMap{"t": func(key string) string { return i18n.T(lang, key) }})
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a failed write means the client went away
}

// refuse answers with the error page saying the catalogue message key.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, s *signedIn, status int, key string) {
	p := newPage(r, "error.title", s)
	p.Message = key
	h.render(w, r, status, "error.html", p)
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	h.cfg.Logger.Error("web: internal error", "error", err.Error())
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// shanghai is where times are shown.
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	s, err := h.current(w, r)
	if err != nil {
		h.fail(w, err)
		return
	}
	if s != nil && (s.session.Enrolling || s.account.MustChangePassword) {
		http.Redirect(w, r, s.nextStep(), http.StatusSeeOther)
		return
	}
	p := newPage(r, "nav.home", s)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	p.Base, p.Version, p.Dialect = scheme+"://"+r.Host+"/fhir", h.cfg.Version, h.cfg.Dialect
	if s != nil {
		p.RoleKey = "role." + string(s.account.Role)
		// Regulators are told of break-the-glass acts waiting for review.
		if p.PendingReviews, err = h.pendingReviews(r, s); err != nil {
			h.fail(w, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "home.html", p)
}
