package output

import "encoding/json"

// Stream returns a printer for one item of a stream (tail, send, listen): a
// line per item. jq and templates run on each item's JSON form; json and
// ndjson print one compact object per line; human prints for a person
// (TTY, -o table/wide); plain is the piped form.
func Stream[T any](p *Printer, human, plain func(T) error) func(T) error {
	enc := json.NewEncoder(p.IO.Out)
	enc.SetEscapeHTML(false)
	switch {
	case p.Opts.JQ != "" || p.Opts.Template != "":
		return func(v T) error { return p.PrintObject(v, nil) }
	case p.Opts.Format == "json" || p.Opts.Format == "ndjson":
		return func(v T) error { return enc.Encode(v) }
	case p.IsHuman():
		return human
	}
	return plain
}
