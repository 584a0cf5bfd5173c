package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// compartmentParam is one (resource type, search parameter) pair of a
// CompartmentDefinition with the element paths the parameter searches.
type compartmentParam struct {
	resource string
	param    string
	paths    []string // dotted paths below the resource, e.g. "participant.actor"
}

type compartmentDefinition struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Resource     []struct {
		Code  string   `json:"code"`
		Param []string `json:"param"`
	} `json:"resource"`
}

type searchParameter struct {
	ResourceType string   `json:"resourceType"`
	URL          string   `json:"url"`
	Code         string   `json:"code"`
	Type         string   `json:"type"`
	Base         []string `json:"base"`
	Expression   string   `json:"expression"`
	Target       []string `json:"target"`
	Component    []struct {
		Definition string `json:"definition"`
		Expression string `json:"expression"`
	} `json:"component"`
}

// simplePath matches a FHIRPath expression that is a plain element path,
// optionally restricted to references to the compartment type.
var simplePath = regexp.MustCompile(`^([A-Za-z]+(?:\.[A-Za-z]+)*)(?:\.where\(resolve\(\) is ([A-Za-z]+)\))?$`)

// buildCompartment reads the CompartmentDefinition with the given id and
// resolves each of its params to element paths through the search parameter
// expressions. Expressions that are not plain paths are left out; a param
// missing from the search parameters is an error.
func buildCompartment(resources, params bundle, id, compType string) ([]compartmentParam, error) {
	exprs := map[string]string{} // "Type.code" → expression
	for _, e := range params.Entry {
		var sp searchParameter
		if err := json.Unmarshal(e.Resource, &sp); err != nil {
			return nil, err
		}
		for _, b := range sp.Base {
			exprs[b+"."+sp.Code] = sp.Expression
		}
	}
	var cd *compartmentDefinition
	for _, e := range resources.Entry {
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(e.Resource, &head); err != nil {
			return nil, err
		}
		if head.ResourceType != "CompartmentDefinition" {
			continue
		}
		var c compartmentDefinition
		if err := json.Unmarshal(e.Resource, &c); err != nil {
			return nil, err
		}
		if c.ID == id {
			cd = &c
			break
		}
	}
	if cd == nil {
		return nil, fmt.Errorf("no CompartmentDefinition %q", id)
	}
	var out []compartmentParam
	for _, r := range cd.Resource {
		for _, p := range r.Param {
			expr, ok := exprs[r.Code+"."+p]
			if !ok {
				return nil, fmt.Errorf("compartment %s: no search parameter %s.%s", id, r.Code, p)
			}
			out = append(out, compartmentParam{resource: r.Code, param: p, paths: pathsOf(expr, r.Code, compType)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].resource < out[j].resource })
	return out, nil
}

// pathsOf returns the simple element paths (below resource type rt) of the
// union expression expr, without duplicates, in order of appearance.
func pathsOf(expr, rt, compType string) []string {
	var paths []string
	for _, part := range strings.Split(expr, "|") {
		part = strings.TrimSpace(part)
		if !strings.HasPrefix(part, rt+".") {
			continue
		}
		m := simplePath.FindStringSubmatch(part)
		if m == nil || (m[2] != "" && m[2] != compType) {
			continue
		}
		p := strings.TrimPrefix(m[1], rt+".")
		dup := false
		for _, q := range paths {
			dup = dup || q == p
		}
		if !dup {
			paths = append(paths, p)
		}
	}
	return paths
}
