package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kibo's filter language: `field op value` with eq, ne, gt, lt, ge, le, sw and
// cont, joined with and/or (and binds tighter), parentheses allowed. Values
// with spaces are quoted. Field names are case-insensitive dotted paths.

type predicate func(item map[string]any) bool

var operators = map[string]bool{"eq": true, "ne": true, "gt": true, "lt": true, "ge": true, "le": true, "sw": true, "cont": true}

func parseFilter(s string) (predicate, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return func(map[string]any) bool { return true }, nil
	}
	p := &parser{toks: toks}
	pred, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at the end of the filter", p.toks[p.pos].text)
	}
	return pred, nil
}

type token struct {
	text   string
	quoted bool
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{text: string(c)})
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote in filter")
			}
			toks = append(toks, token{text: s[i+1 : i+1+end], quoted: true})
			i += end + 2
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != ')' && s[j] != '(' {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

// maxFilterDepth bounds nested parentheses: the parser recurses once per
// level, and a filter is hostile input.
const maxFilterDepth = 32

type parser struct {
	toks  []token
	pos   int
	depth int
}

func (p *parser) peekWord(w string) bool {
	return p.pos < len(p.toks) && !p.toks[p.pos].quoted && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *parser) or() (predicate, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.pos++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(m map[string]any) bool { return l(m) || right(m) }
	}
	return left, nil
}

func (p *parser) and() (predicate, error) {
	left, err := p.cond()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.pos++
		right, err := p.cond()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(m map[string]any) bool { return l(m) && right(m) }
	}
	return left, nil
}

func (p *parser) cond() (predicate, error) {
	if p.peekWord("(") {
		if p.depth++; p.depth > maxFilterDepth {
			return nil, fmt.Errorf("filter nests parentheses deeper than %d", maxFilterDepth)
		}
		defer func() { p.depth-- }()
		p.pos++
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.peekWord(")") {
			return nil, fmt.Errorf("missing ) in filter")
		}
		p.pos++
		return inner, nil
	}
	if p.pos+3 > len(p.toks) {
		return nil, fmt.Errorf("incomplete condition: want `field op value`")
	}
	field, op, value := p.toks[p.pos].text, strings.ToLower(p.toks[p.pos+1].text), p.toks[p.pos+2]
	if !operators[op] {
		return nil, fmt.Errorf("unknown operator %q: use eq, ne, gt, lt, ge, le, sw or cont", op)
	}
	p.pos += 3
	return func(m map[string]any) bool { return matches(lookup(m, field), op, value) }, nil
}

// lookup finds a dotted, case-insensitive field path in a JSON object.
func lookup(m map[string]any, path string) any {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = nil
		for k, v := range obj {
			if strings.EqualFold(k, part) {
				cur = v
				break
			}
		}
	}
	return cur
}

func matches(v any, op string, val token) bool {
	if arr, ok := v.([]any); ok {
		for _, el := range arr {
			if matches(el, op, val) {
				return op != "ne"
			}
		}
		return op == "ne"
	}
	if v == nil {
		isNull := !val.quoted && strings.EqualFold(val.text, "null")
		return (op == "eq" && isNull) || (op == "ne" && !isNull)
	}
	switch op {
	case "sw":
		return strings.HasPrefix(strings.ToLower(fmt.Sprint(v)), strings.ToLower(val.text))
	case "cont":
		return strings.Contains(strings.ToLower(fmt.Sprint(v)), strings.ToLower(val.text))
	}
	c, ok := compare(v, val.text)
	if !ok {
		return op == "ne"
	}
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "lt":
		return c < 0
	case "ge":
		return c >= 0
	}
	return c <= 0 // le
}

// compare orders a JSON value against a filter literal by the value's type:
// numbers numerically, dates chronologically, strings case-insensitively.
func compare(v any, lit string) (int, bool) {
	switch x := v.(type) {
	case int, int32, int64:
		return compare(float64(intOf(x)), lit)
	case bool:
		b, err := strconv.ParseBool(lit)
		if err != nil {
			return 0, false
		}
		if x == b {
			return 0, true
		}
		return 1, true
	case float64:
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return 0, false
		}
		return cmpOrdered(x, f), true
	case string:
		if t1, err := parseDate(x); err == nil {
			if t2, err := parseDate(lit); err == nil {
				return t1.Compare(t2), true
			}
		}
		return strings.Compare(strings.ToLower(x), strings.ToLower(lit)), true
	}
	return 0, false
}

func cmpOrdered[T int | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02"}

func parseDate(s string) (time.Time, error) {
	var err error
	for _, l := range dateLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// parseSort reads sortBy: one or more comma-separated `field [asc|desc]`, as
// Kibo's sorting docs allow (`topic asc, createDate desc`); later fields
// break ties of earlier ones.
func parseSort(s string) (func(a, b map[string]any) int, error) {
	if strings.Count(s, ",") >= 8 {
		return nil, fmt.Errorf("invalid sortBy %q: at most 8 fields", s)
	}
	var keys []func(a, b map[string]any) int
	for _, part := range strings.Split(s, ",") {
		words := strings.Fields(part)
		switch {
		case len(words) == 1:
			keys = append(keys, lessBy(words[0], false))
		case len(words) == 2 && (strings.EqualFold(words[1], "asc") || strings.EqualFold(words[1], "desc")):
			keys = append(keys, lessBy(words[0], strings.EqualFold(words[1], "desc")))
		default:
			return nil, fmt.Errorf("invalid sortBy %q: want `field asc|desc[, field asc|desc…]`", s)
		}
	}
	return func(a, b map[string]any) int {
		for _, k := range keys {
			if c := k(a, b); c != 0 {
				return c
			}
		}
		return 0
	}, nil
}

func lessBy(field string, desc bool) func(a, b map[string]any) int {
	return func(a, b map[string]any) int {
		va, vb := lookup(a, field), lookup(b, field)
		c := 0
		switch {
		case va == nil && vb == nil:
		case va == nil:
			c = -1
		case vb == nil:
			c = 1
		default:
			c, _ = compare(va, fmt.Sprint(vb))
		}
		if desc {
			return -c
		}
		return c
	}
}
