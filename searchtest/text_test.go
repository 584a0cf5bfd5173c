package searchtest

// textCases: _text searches the narrative (text.div without markup) and
// _content every string value of the resource, both for the value
// contained anywhere after case and accent folding (R4 search 3.1.1.5.9
// "basic" text search); Chinese text is matched as a substring, and inline
// markup does not split words.
var textCases = []searchCase{
	{name: "text chinese", typ: "Patient", query: "_text=高血压", want: ids("pat-zhang")},
	{name: "text across inline markup", typ: "Patient", query: "_text=高血压随访", want: ids("pat-zhang")},
	{name: "text middle", typ: "Patient", query: "_text=复查", want: ids("pat-zhang")},
	{name: "text entity and accent", typ: "Patient", query: "_text=FOLLOW-UP%20%26%20cafe", want: ids("pat-zhang")},
	{name: "text is the narrative only", typ: "Patient", query: "_text=张三", want: nil},
	{name: "text or", typ: "Patient", query: "_text=nothing,cafe", want: ids("pat-zhang")},
	{name: "text and", typ: "Patient", query: "_text=cafe&_text=visit", want: ids("pat-zhang")},
	{name: "text and unmet", typ: "Patient", query: "_text=cafe&_text=berlin", want: nil},
	{name: "text no tags", typ: "Patient", query: "_text=xhtml", want: nil},
	{name: "content name", typ: "Patient", query: "_content=张三", want: ids("pat-zhang")},
	{name: "content narrative", typ: "Patient", query: "_content=每月复查", want: ids("pat-zhang")},
	{name: "content city", typ: "Patient", query: "_content=berlin", want: ids("pat-muller")},
	{name: "content middle of a word", typ: "Patient", query: "_content=uptstra", want: ids("pat-muller")},
	{name: "content accent", typ: "Patient", query: "_content=GARCIA", want: ids("pat-garcia")},
	{name: "content contains", typ: "Patient", query: "_content=male", want: ids("pat-muller", "pat-zhang", "pat-garcia", "pat-smythe")},
	{name: "content and", typ: "Patient", query: "_content=male&_content=berlin", want: ids("pat-muller")},
	{name: "content or", typ: "Patient", query: "_content=sevilla,berlin", want: ids("pat-muller", "pat-garcia")},
	{name: "content not across values", typ: "Patient", query: "_content=smith%20john", want: nil},
	{name: "text underscore is no wildcard", typ: "Patient", query: "_text=f_llow", want: nil},
	{name: "text percent is no wildcard", typ: "Patient", query: "_text=%25llow", want: nil},
	{name: "content display", typ: "Condition", query: "_content=influenza", want: ids("cond-flu")},
	{name: "content system level", typ: "", query: "_content=uptstra", want: ids("pat-muller")},
	{name: "text in a chain", typ: "Observation", query: "subject:Patient._text=高血压", want: ids("obs-g", "obs-open")},
}
