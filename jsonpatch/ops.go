package jsonpatch

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/yitong-health/yitong/fhir"
)

// notFoundError says that a syntactically valid pointer does not resolve in
// the document.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return "path not found: " + e.msg }

// badIndexError says that a reference token applied to an array is not an
// array index (for instance "01" or "x"): the pointer itself is malformed.
type badIndexError struct{ msg string }

func (e *badIndexError) Error() string { return e.msg }

func notFound(format string, args ...any) error {
	return &notFoundError{msg: fmt.Sprintf(format, args...)}
}

// apply applies o to st.root.
func (o *operation) apply(st *state) error {
	var err error
	switch o.op {
	case "add":
		st.root, err = add(st.root, o.path, o.value)
	case "remove":
		st.root, _, err = remove(st.root, o.path)
	case "replace":
		st.root, err = replace(st.root, o.path, o.value)
	case "move":
		err = o.move(st)
	case "copy":
		err = o.copy(st)
	case "test":
		return o.test(st)
	}
	var fe *fhir.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return fe
	}
	return o.fail(fhir.IssueInvalid, "%s", err)
}

func (o *operation) move(st *state) error {
	v, err := get(st.root, o.from)
	if err != nil {
		return errors.New("from " + err.Error())
	}
	if o.from.equal(o.path) {
		return nil
	}
	root, _, err := remove(st.root, o.from)
	if err != nil {
		return err
	}
	st.root, err = add(root, o.path, v)
	return err
}

func (o *operation) copy(st *state) error {
	v, err := get(st.root, o.from)
	if err != nil {
		return errors.New("from " + err.Error())
	}
	c := deepCopy(v, &st.budget)
	if st.budget < 0 {
		return o.fail(fhir.IssueTooCostly, "the copy operations of the patch duplicate more than %d values", MaxCopiedValues)
	}
	st.root, err = add(st.root, o.path, c)
	return err
}

// test fails with code processing when the value at the path differs from the
// operation's value or does not exist, and with code invalid when the path
// is malformed for the document (a bad array index).
func (o *operation) test(st *state) error {
	v, err := get(st.root, o.path)
	var nf *notFoundError
	switch {
	case errors.As(err, &nf):
		return o.fail(fhir.IssueProcessing, "test failed: %s", err)
	case err != nil:
		return o.fail(fhir.IssueInvalid, "%s", err)
	case !equal(v, o.value):
		return o.fail(fhir.IssueProcessing, "test failed: the value is %s, not %s", preview(v), preview(o.value))
	}
	return nil
}

// get returns the value at p.
func get(root any, p pointer) (any, error) {
	cur := root
	for i, tok := range p {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, notFound("%s has no member %s", location(p, i), strconv.Quote(tok))
			}
			cur = v
		case []any:
			idx, err := arrayIndex(tok, len(c), false, p, i)
			if err != nil {
				return nil, err
			}
			cur = c[idx]
		default:
			return nil, notFound("%s is %s, which has no member %s", location(p, i), kind(cur), strconv.Quote(tok))
		}
	}
	return cur, nil
}

// add inserts v at p (RFC 6902 section 4.1): it sets an object member,
// inserts into an array (shifting later elements), or replaces the whole
// document when p is empty. It returns the new root.
func add(root any, p pointer, v any) (any, error) {
	if len(p) == 0 {
		return v, nil
	}
	return update(root, p, 0, func(parent any, tok string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			c[tok] = v
			return c, nil
		case []any:
			idx, err := arrayIndex(tok, len(c), true, p, len(p)-1)
			if err != nil {
				return nil, err
			}
			c = append(c, nil)
			copy(c[idx+1:], c[idx:])
			c[idx] = v
			return c, nil
		}
		return nil, notFound("%s is %s, which cannot have members", location(p, len(p)-1), kind(parent))
	})
}

// remove deletes the value at p and returns the new root and the removed
// value. The whole document cannot be removed.
func remove(root any, p pointer) (any, any, error) {
	if len(p) == 0 {
		return nil, nil, errors.New("the whole document cannot be removed")
	}
	var removed any
	root, err := update(root, p, 0, func(parent any, tok string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, notFound("%s has no member %s", location(p, len(p)-1), strconv.Quote(tok))
			}
			removed = v
			delete(c, tok)
			return c, nil
		case []any:
			idx, err := arrayIndex(tok, len(c), false, p, len(p)-1)
			if err != nil {
				return nil, err
			}
			removed = c[idx]
			copy(c[idx:], c[idx+1:])
			c[len(c)-1] = nil
			return c[:len(c)-1], nil
		}
		return nil, notFound("%s is %s, which has no member %s", location(p, len(p)-1), kind(parent), strconv.Quote(tok))
	})
	return root, removed, err
}

// replace sets the existing value at p to v and returns the new root.
func replace(root any, p pointer, v any) (any, error) {
	if len(p) == 0 {
		return v, nil
	}
	return update(root, p, 0, func(parent any, tok string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			if _, ok := c[tok]; !ok {
				return nil, notFound("%s has no member %s", location(p, len(p)-1), strconv.Quote(tok))
			}
			c[tok] = v
			return c, nil
		case []any:
			idx, err := arrayIndex(tok, len(c), false, p, len(p)-1)
			if err != nil {
				return nil, err
			}
			c[idx] = v
			return c, nil
		}
		return nil, notFound("%s is %s, which has no member %s", location(p, len(p)-1), kind(parent), strconv.Quote(tok))
	})
}

// update walks node along p from token i and calls f with the container that
// holds the last token of p; f returns the container's new value (an array
// may be reallocated), which update stores back into its parent. update
// returns node's new value. Containers are modified in place: Apply only
// ever calls it on its own deep copy.
func update(node any, p pointer, i int, f func(parent any, tok string) (any, error)) (any, error) {
	if i == len(p)-1 {
		return f(node, p[i])
	}
	tok := p[i]
	switch c := node.(type) {
	case map[string]any:
		child, ok := c[tok]
		if !ok {
			return nil, notFound("%s has no member %s", location(p, i), strconv.Quote(tok))
		}
		nc, err := update(child, p, i+1, f)
		if err != nil {
			return nil, err
		}
		c[tok] = nc
		return c, nil
	case []any:
		idx, err := arrayIndex(tok, len(c), false, p, i)
		if err != nil {
			return nil, err
		}
		nc, err := update(c[idx], p, i+1, f)
		if err != nil {
			return nil, err
		}
		c[idx] = nc
		return c, nil
	}
	return nil, notFound("%s is %s, which has no member %s", location(p, i), kind(node), strconv.Quote(tok))
}

// arrayIndex resolves the reference token tok p[i] against an array of
// length n. "-" is accepted (as n) only when forAdd is set; other indexes
// must be decimal without leading zeros and lower than n (or equal to n when
// forAdd is set).
func arrayIndex(tok string, n int, forAdd bool, p pointer, i int) (int, error) {
	if tok == "-" {
		if forAdd {
			return n, nil
		}
		return 0, notFound(`%s has no element "-" (the position after the last element)`, location(p, i))
	}
	if tok == "" || (tok[0] == '0' && len(tok) > 1) {
		return 0, &badIndexError{msg: "invalid array index " + strconv.Quote(tok) + " in " + location(p, i)}
	}
	for j := 0; j < len(tok); j++ {
		if tok[j] < '0' || tok[j] > '9' {
			return 0, &badIndexError{msg: "invalid array index " + strconv.Quote(tok) + " in " + location(p, i)}
		}
	}
	idx, err := strconv.Atoi(tok)
	if err != nil || idx > n || (idx == n && !forAdd) {
		return 0, notFound("index %s is out of range in %s (length %d)", tok, location(p, i), n)
	}
	return idx, nil
}

// location names the location p[:i] in diagnostics.
func location(p pointer, i int) string {
	if i == 0 {
		return "the document root"
	}
	return p[:i].String()
}
