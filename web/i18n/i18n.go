// Package i18n is Yitong's one message catalogue for user-facing text:
// simplified Chinese first, English available. Templates and handlers look
// messages up by key; no user-facing string lives anywhere else.
package i18n

import (
	"net/http"
	"strings"
)

// Lang is a supported language.
type Lang string

// Languages.
const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// catalogue maps a message key to its text per language.
var catalogue = map[string]map[Lang]string{
	"app.name":           {ZH: "医通", EN: "Yitong"},
	"app.tagline":        {ZH: "区域互联网+医疗健康平台", EN: "Regional Internet + Healthcare platform"},
	"home.title":         {ZH: "平台状态", EN: "Platform status"},
	"home.fhir":          {ZH: "统一数据接口（FHIR R4）", EN: "Unified data interface (FHIR R4)"},
	"home.fhir.help":     {ZH: "医院信息系统和其他系统通过标准 FHIR R4 REST 接口接入。", EN: "Hospital information systems and other systems connect through the standard FHIR R4 REST API."},
	"home.base":          {ZH: "FHIR 服务地址", EN: "FHIR base URL"},
	"home.capability":    {ZH: "能力声明", EN: "Capability statement"},
	"home.health":        {ZH: "运行状况", EN: "Health"},
	"home.metrics":       {ZH: "运行指标", EN: "Metrics"},
	"home.database":      {ZH: "数据库", EN: "Database"},
	"home.version":       {ZH: "版本", EN: "Version"},
	"home.signin.later":  {ZH: "居民、医生、药师和管理人员的登录入口将在身份与访问功能上线后开放。", EN: "Sign-in for residents, doctors, pharmacists and administrators opens with the identity and access capability."},
	"lang.switch":        {ZH: "English", EN: "中文"},
	"lang.switch.target": {ZH: "en", EN: "zh-CN"},
}

// T returns the text of key in lang (Chinese when lang has none, the key
// itself when the catalogue has no such key, so a missing message shows).
func T(lang Lang, key string) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	if s, ok := m[lang]; ok {
		return s
	}
	return m[ZH]
}

// Keys returns every message key (for completeness tests).
func Keys() []string {
	out := make([]string, 0, len(catalogue))
	for k := range catalogue {
		out = append(out, k)
	}
	return out
}

// Has reports whether key has a text in lang.
func Has(lang Lang, key string) bool {
	_, ok := catalogue[key][lang]
	return ok
}

// FromRequest picks the language: ?lang=, then the yitong_lang cookie, then
// Accept-Language; Chinese by default.
func FromRequest(r *http.Request) Lang {
	pick := func(v string) (Lang, bool) {
		v = strings.ToLower(strings.TrimSpace(v))
		switch {
		case strings.HasPrefix(v, "en"):
			return EN, true
		case strings.HasPrefix(v, "zh"):
			return ZH, true
		}
		return "", false
	}
	if l, ok := pick(r.URL.Query().Get("lang")); ok {
		return l
	}
	if c, err := r.Cookie("yitong_lang"); err == nil {
		if l, ok := pick(c.Value); ok {
			return l
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		if l, ok := pick(strings.Split(part, ";")[0]); ok {
			return l
		}
	}
	return ZH
}
