package ingest

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/yitong-health/yitong/bulk"
	"github.com/yitong-health/yitong/fhir"
	"github.com/yitong-health/yitong/store"
	"github.com/yitong-health/yitong/store/storetest"
)

// examplesDir finds HL7's R4 examples (npm hl7.fhir.r4.examples@4.0.1, which
// scripts/test.sh installs under .cache/r4-examples).
func examplesDir(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("YITONG_R4_EXAMPLES"),
		"../.cache/r4-examples/node_modules/hl7.fhir.r4.examples",
		"../.cache/r4-examples/node_modules/hl7.fhir.r4.examples/package"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(c, "Patient-*.json")); len(m) > 0 {
			return c
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("HL7's R4 examples are not installed (scripts/test.sh installs them)")
	}
	t.Skip("HL7's R4 examples are not installed; run scripts/test.sh")
	return ""
}

// rejectedExamples reads the validator's list of examples HL7 got wrong.
func rejectedExamples(t *testing.T) map[string]bool {
	f, err := os.Open("../fhir/validate/testdata/rejected-examples.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out[strings.Fields(line)[0]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExamplesRoundTrip imports every ordinary example resource of the R4
// specification (not the conformance resources, not the definition bundles)
// under its own id and checks each reads back equal apart from meta. Those
// the validator rejects are exactly the ones listed in
// fhir/validate/testdata/rejected-examples.txt with the reason
// (docs/validation-examples.md).
func TestExamplesRoundTrip(t *testing.T) {
	dir := examplesDir(t)
	rejected := rejectedExamples(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	conformance := map[string]bool{"SearchParameter": true, "ValueSet": true, "CodeSystem": true, "StructureDefinition": true,
		"ConceptMap": true, "OperationDefinition": true, "CapabilityStatement": true, "CompartmentDefinition": true,
		"MessageDefinition": true, "StructureMap": true, "NamingSystem": true, "ImplementationGuide": true,
		"TerminologyCapabilities": true, "GraphDefinition": true}
	var examples []string
	for _, f := range files {
		base := filepath.Base(f)
		kind, _, _ := strings.Cut(base, "-")
		if conformance[kind] || base == "package.json" || strings.HasPrefix(base, ".") || base == "ig-r4.json" ||
			(kind == "Bundle" && strings.Contains(base, "Bundle-") && isDefinitionBundle(base)) {
			continue
		}
		examples = append(examples, f)
	}
	if len(examples) < 600 {
		t.Fatalf("only %d ordinary examples found in %s", len(examples), dir)
	}
	storetest.Each(t, func(t *testing.T, st store.Store) {
		svc := newService(st)
		stored, refused := 0, 0
		for _, f := range examples {
			err := bulk.ReadFile(f, bulk.Limits{}, func(it bulk.Item) error {
				res := it.Resource
				rt, _ := res["resourceType"].(string)
				id, _ := res["id"].(string)
				name := filepath.Base(f)
				if _, err := svc.Update(ctx, rt, id, deepCopy(res), 0); err != nil {
					refused++
					if !rejected[name] {
						t.Errorf("%s refused but not listed as faulty: %v", name, err)
					}
					return nil
				}
				if rejected[name] {
					t.Errorf("%s is listed as faulty but was accepted", name)
				}
				got, err := svc.Read(ctx, rt, id)
				if err != nil {
					t.Errorf("%s: %s/%s not readable: %v", name, rt, id, err)
					return nil
				}
				if !reflect.DeepEqual(withoutMeta(res), withoutMeta(got.Resource)) {
					t.Errorf("%s: %s/%s does not read back as sent", name, rt, id)
				}
				stored++
				return nil
			})
			if err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		t.Logf("%d ordinary examples stored and read back equal, %d refused as listed", stored, refused)
	})
}

func deepCopy(m map[string]any) map[string]any {
	c, _ := decode(marshal(m))
	return c
}

func isDefinitionBundle(base string) bool {
	for _, d := range []string{"Bundle-resources", "Bundle-types", "Bundle-searchParams", "Bundle-valuesets", "Bundle-v2-valuesets",
		"Bundle-v3-valuesets", "Bundle-conceptmaps", "Bundle-extensions", "Bundle-dataelements", "Bundle-profiles-others",
		"Bundle-valueset-expansions", "Bundle-externals", "Bundle-terminologies", "Bundle-registry"} {
		if strings.HasPrefix(base, d+".") {
			return true
		}
	}
	return false
}

func marshal(m map[string]any) []byte { return fhir.Marshal(m) }
