package boltstore

import (
	"encoding/binary"
	"errors"

	"github.com/kwh-cli/kwh/internal/store"
)

type entryKind byte

const (
	entryAccept  entryKind = 1 // a received request: inbox, body, seen mark, spool
	entryForward entryKind = 2 // a forward attempt's outcome
	entrySeen    entryKind = 3 // a seen mark on its own (--sync after the app said 200)
	// entryRetarget moves a spooled forward (target) to others (targets, none
	// to drop it); state is the old one's ForwardState.
	entryRetarget entryKind = 4
	entryDup      entryKind = 5 // another copy of an accepted event: id, exp = its arrival (Unix ns)
)

// entry is one logged change; each kind uses some of the fields.
type entry struct {
	kind    entryKind
	id      uint64   // accept, forward: the inbox id
	key     string   // accept, seen: the dedupe key ("" = not marked)
	exp     int64    // accept, seen: seen until (Unix ns)
	prevExp int64    // accept, seen: the expiry this mark replaces (0 = none)
	topic   string   // accept, retarget
	targets []string // accept, retarget: forwards to spool
	meta    []byte   // accept: the inbox record (JSON, no body)
	body    []byte   // accept
	target  string   // forward
	state   []byte   // forward: store.ForwardState JSON (attempts counted on apply)
	// fwd is state decoded, on a live forward entry only: applying it
	// then needs no parse (it is not logged; the log holds state).
	fwd *store.ForwardState
}

func (e *entry) encode(buf []byte) []byte {
	buf = append(buf, byte(e.kind))
	buf = binary.AppendUvarint(buf, e.id)
	buf = appendBytes(buf, []byte(e.key))
	buf = binary.AppendVarint(buf, e.exp)
	buf = binary.AppendVarint(buf, e.prevExp)
	buf = appendBytes(buf, []byte(e.topic))
	buf = binary.AppendUvarint(buf, uint64(len(e.targets)))
	for _, t := range e.targets {
		buf = appendBytes(buf, []byte(t))
	}
	buf = appendBytes(buf, e.meta)
	buf = appendBytes(buf, e.body)
	buf = appendBytes(buf, []byte(e.target))
	return appendBytes(buf, e.state)
}

func appendBytes(buf, b []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	return append(buf, b...)
}

var errBadEntry = errors.New("malformed log entry")

func decodeEntry(raw []byte) (*entry, error) {
	r := entryReader{raw: raw}
	e := &entry{kind: entryKind(r.byte())}
	e.id = r.uvarint()
	e.key = string(r.bytes())
	e.exp = r.varint()
	e.prevExp = r.varint()
	e.topic = string(r.bytes())
	n := r.uvarint()
	for i := uint64(0); i < n && r.err == nil; i++ {
		e.targets = append(e.targets, string(r.bytes()))
	}
	e.meta = r.bytes()
	e.body = r.bytes()
	e.target = string(r.bytes())
	e.state = r.bytes()
	return e, r.err
}

type entryReader struct {
	raw []byte
	err error
}

func (r *entryReader) fail() { r.err, r.raw = errBadEntry, nil }

func (r *entryReader) byte() byte {
	if len(r.raw) == 0 {
		r.fail()
		return 0
	}
	b := r.raw[0]
	r.raw = r.raw[1:]
	return b
}

func (r *entryReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.raw)
	r.skip(n)
	return v
}

func (r *entryReader) varint() int64 {
	v, n := binary.Varint(r.raw)
	r.skip(n)
	return v
}

// skip moves past a varint of n bytes (n <= 0: there was none).
func (r *entryReader) skip(n int) {
	if n <= 0 {
		r.fail()
		return
	}
	r.raw = r.raw[n:]
}

func (r *entryReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.raw)) {
		r.fail()
		return nil
	}
	b := r.raw[:n:n]
	r.raw = r.raw[n:]
	return b
}
