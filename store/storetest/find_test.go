package storetest

import (
	"net/url"

	"github.com/yitong-health/yitong/fhir/search"
	"github.com/yitong-health/yitong/store"
)

// find returns the ids of current resources of typ matching the search
// query string, in the store's order, at most limit.
func find(tx store.Tx, typ, query string, limit int) ([]string, error) {
	vals, err := url.ParseQuery(query)
	if err != nil {
		return nil, err
	}
	q, err := search.Parse(typ, vals, search.ParseOptions{})
	if err != nil {
		return nil, err
	}
	page, err := tx.Search(ctx, store.SearchRequest{Query: q, Count: limit})
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, v := range page.Matches {
		ids = append(ids, v.ID)
	}
	return ids, nil
}
