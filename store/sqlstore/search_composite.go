package sqlstore

import (
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/fhir/search"
)

// compositeValue writes the condition a composite value ("code$value")
// puts on idx_composite row alias x: every part must hold for the same row,
// that is, for the same node of the resource. The columns each part uses
// are those of store.CompositeEntry.
func (s *sqlBuilder) compositeValue(x string, p *search.Param, v *search.Value) error {
	if len(v.Parts) != len(p.Components) || len(v.Parts) < 2 {
		return fhir.Errorf(fhir.IssueInvalid, "%q needs %d parts separated by $", v.Raw, len(p.Components))
	}
	s.w("(")
	for i := range v.Parts {
		if i > 0 {
			s.w(" AND ")
		}
		part := &v.Parts[i]
		cp := p.Components[i].Param
		code, system := x+".b_code", x+".b_system"
		if i == 0 {
			code, system = x+".a_code", x+".a_system"
		}
		switch cp.Type {
		case search.TypeToken:
			s.codeSystem(code, system, part.Code, part.System, part.HasSystem)
		case search.TypeReference:
			s.codeSystem(code, system, part.RefID, part.RefType, part.RefType != "")
		case search.TypeString:
			norm := search.Normalize(part.Str)
			s.w(code, " >= ")
			s.arg(norm)
			s.w(" AND ", code, " < ")
			s.arg(norm + prefixEnd)
		case search.TypeQuantity:
			if part.HasSystem {
				s.w(system, " = ")
				s.arg(part.System)
				s.w(" AND ")
			}
			if part.Code != "" {
				s.w(code, " = ")
				s.arg(part.Code)
				s.w(" AND ")
			}
			if err := s.numberValue(x+".num", part); err != nil {
				return err
			}
		case search.TypeNumber:
			col := x + ".num"
			if i == 2 {
				col = x + ".num2"
			}
			if err := s.numberValue(col, part); err != nil {
				return err
			}
		case search.TypeDate:
			lo, hi := dateRange(part)
			s.rangeCond(x+".lo", x+".hi", part.Prefix, lo, hi, s.approxDate(lo, hi))
		default:
			return fhir.Errorf(fhir.IssueNotSupported, "composite parameter %q has a %s component, which is not supported", p.Code, cp.Type)
		}
	}
	s.w(")")
	return nil
}

// codeSystem writes a token-like match on a code column and, when the value
// names one, a system column.
func (s *sqlBuilder) codeSystem(codeCol, systemCol, code, system string, hasSystem bool) {
	if code != "" {
		s.w(codeCol, " = ")
		s.arg(code)
		if hasSystem {
			s.w(" AND ")
		}
	}
	if hasSystem {
		s.w(systemCol, " = ")
		s.arg(system)
	}
	if code == "" && !hasSystem {
		s.w("1 = 1")
	}
}
