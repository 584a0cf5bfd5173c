package auth

import "github.com/yitong-health/yitong/fhir"

func decode(b []byte) (map[string]any, error) { return fhir.Decode(b, 0) }
