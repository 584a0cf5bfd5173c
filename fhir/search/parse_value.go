package search

import (
	"regexp"

	"github.com/yitong-health/yitong/fhir"
)

// values parses the value of one occurrence into the leaf Filter: true or
// false for :missing, else the comma-separated values (OR), each parsed by
// the parameter's type.
func (p *parser) values(f *Filter, name, value string) error {
	if f.Modifier == ModifierMissing {
		switch value {
		case "true":
			f.Missing = true
		case "false":
		default:
			return invalid(name, ":missing takes true or false, not %s", clip(value))
		}
		return nil
	}
	items := splitUnescaped(value, ',')
	if len(items) > p.opts.MaxValuesPerParam {
		return paramError(fhir.IssueTooCostly, name, "%d values; the limit is %d", len(items), p.opts.MaxValuesPerParam)
	}
	for _, it := range items {
		if it == "" {
			return emptyValue(name)
		}
	}
	f.Values = make([]Value, 0, len(items))
	for _, it := range items {
		v, err := p.value(f.Param, f.Modifier, f.TargetType, it, name)
		if err != nil {
			return err
		}
		f.Values = append(f.Values, v)
	}
	return nil
}

// value parses one value (still escaped) of parameter prm with modifier
// mod. The fields set per type:
//
//   - string, uri: Str.
//   - token: System, HasSystem, Code, and Str = Code; with :text, Str is
//     the text; with :of-type, System and Code are the identifier type's
//     coding and Str the identifier value; for _id, Code = Str = the id.
//   - reference: see reference.
//   - number: Prefix, Number, NumberLo, NumberHi.
//   - quantity: those of number, plus System, HasSystem and Code of the
//     unit.
//   - date: Prefix, Lo, Hi.
//   - composite: Parts, one Value per component.
//
// Raw is always the unescaped value.
func (p *parser) value(prm *Param, mod Modifier, target, s, name string) (Value, error) {
	v := Value{Raw: unescape(s)}
	var err error
	switch prm.Type {
	case TypeString, TypeURI:
		v.Str = v.Raw
		if IsTextParam(prm) {
			err = textValue(v.Raw, name)
		}
	case TypeToken:
		err = p.token(&v, prm, mod, s, name)
	case TypeReference:
		if mod == ModifierIdentifier {
			err = tokenParts(&v, s, name)
		} else {
			err = p.reference(&v, prm, mod, target, s, name)
		}
	case TypeNumber:
		v.Prefix, s = splitPrefix(s)
		v.Number = unescape(s)
		v.NumberLo, v.NumberHi, err = parseNumber(v.Number, name)
	case TypeQuantity:
		err = quantity(&v, s, name)
	case TypeDate:
		var rest string
		v.Prefix, rest = splitPrefix(s)
		v.Lo, v.Hi, err = parseDate(unescape(rest), p.opts.Zone, name)
	case TypeComposite:
		err = p.composite(&v, prm, s, name)
	default:
		err = paramError(fhir.IssueNotSupported, name, "parameters of type %s are not supported", prm.Type)
	}
	return v, err
}

// textValue checks a _text or _content value: some text, at most
// MaxTextLength bytes once normalized.
func textValue(raw, name string) error {
	norm := Normalize(raw)
	switch {
	case norm == "":
		return invalid(name, "has no text to search for")
	case len(norm) > MaxTextLength:
		return invalid(name, "the text to search for is %d bytes long (normalized); the limit is %d", len(norm), MaxTextLength)
	}
	return nil
}

// idSyntax is the R4 id datatype.
var idSyntax = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// token fills v from a token value.
func (p *parser) token(v *Value, prm *Param, mod Modifier, s, name string) error {
	switch {
	case prm.Code == "_id":
		if !idSyntax.MatchString(v.Raw) {
			return invalid(name, "%s is not a valid id", clip(v.Raw))
		}
		v.Code, v.Str = v.Raw, v.Raw
		return nil
	case mod == ModifierText:
		v.Str = v.Raw
		return nil
	case mod == ModifierIn || mod == ModifierNotIn:
		// A ValueSet canonical, "url" or "url|version": the version bar
		// is part of the value, not a token separator.
		v.Str = v.Raw
		return nil
	case mod == ModifierAbove || mod == ModifierBelow:
		if err := tokenParts(v, s, name); err != nil {
			return err
		}
		if v.System == "" || v.Code == "" {
			return invalid(name, "%s: :%s needs system|code, since the hierarchy is that of the code system", clip(v.Raw), mod)
		}
		return nil
	case mod == ModifierOfType:
		parts := splitUnescaped(s, '|')
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			return invalid(name, "%s is not a valid :of-type value (type-system|type-code|identifier-value)", clip(v.Raw))
		}
		v.System, v.HasSystem, v.Code, v.Str = unescape(parts[0]), true, unescape(parts[1]), unescape(parts[2])
		return nil
	}
	return tokenParts(v, s, name)
}

// tokenParts fills System, HasSystem, Code and Str from "code",
// "system|code", "|code" (no system) or "system|" (any code of system).
func tokenParts(v *Value, s, name string) error {
	parts := splitUnescaped(s, '|')
	switch len(parts) {
	case 1:
		v.Code = unescape(parts[0])
	case 2:
		v.System, v.HasSystem, v.Code = unescape(parts[0]), true, unescape(parts[1])
		if v.System == "" && v.Code == "" {
			return invalid(name, "%s has neither a system nor a code", clip(v.Raw))
		}
	default:
		return invalid(name, "%s has more than one unescaped | (escape it as \\|)", clip(v.Raw))
	}
	v.Str = v.Code
	return nil
}

// composite fills v.Parts from the $-separated parts of a composite value.
func (p *parser) composite(v *Value, prm *Param, s, name string) error {
	parts := splitUnescaped(s, '$')
	if len(parts) != len(prm.Components) {
		return invalid(name, "%s has %d parts; %s needs %d separated by $", clip(v.Raw), len(parts), prm.Code, len(prm.Components))
	}
	v.Parts = make([]Value, len(parts))
	for i, part := range parts {
		if part == "" {
			return invalid(name, "part %d of %s is empty", i+1, clip(v.Raw))
		}
		c := prm.Components[i].Param
		if c == nil || c.Type == TypeComposite {
			return paramError(fhir.IssueNotSupported, name, "component %d of %s cannot be searched", i+1, prm.Code)
		}
		pv, err := p.value(c, ModifierNone, "", part, name)
		if err != nil {
			return err
		}
		v.Parts[i] = pv
	}
	return nil
}
