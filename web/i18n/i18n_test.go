package i18n

import (
	"net/http/httptest"
	"testing"
)

// Every message exists in both languages and is not empty.
func TestCatalogueComplete(t *testing.T) {
	for _, k := range Keys() {
		for _, l := range []Lang{ZH, EN} {
			if !Has(l, k) || T(l, k) == "" {
				t.Errorf("message %q has no %s text", k, l)
			}
		}
	}
	if T(EN, "no.such.key") != "no.such.key" {
		t.Error("a missing key should show itself")
	}
}

func TestFromRequest(t *testing.T) {
	cases := []struct {
		url, cookie, accept string
		want                Lang
	}{
		{"/", "", "", ZH},
		{"/?lang=en", "", "", EN},
		{"/?lang=zh-CN", "en", "en", ZH},
		{"/", "en", "", EN},
		{"/", "", "en-US,en;q=0.9", EN},
		{"/", "", "fr-FR,zh-CN;q=0.8", ZH},
		{"/?lang=xx", "", "", ZH},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.url, nil)
		if c.cookie != "" {
			r.Header.Set("Cookie", "yitong_lang="+c.cookie)
		}
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := FromRequest(r); got != c.want {
			t.Errorf("%s cookie=%q accept=%q: %s, want %s", c.url, c.cookie, c.accept, got, c.want)
		}
	}
}
