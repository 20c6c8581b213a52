package store

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/kwh-cli/kwh/internal/jsonenc"
)

// AppendJSON appends d's JSON form, byte for byte what json.Marshal(d)
// gives, without reflection: every accepted push is encoded once on the way
// to the store, and reflecting over the struct and its header map was the
// biggest share of that write's CPU. TestDeliveryJSONIsMarshals and
// FuzzDeliveryJSON hold it to json.Marshal.
func (d *Delivery) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, d.ID, 10)
	b, err := appendTimeField(b, `,"receivedAt":`, d.ReceivedAt)
	if err != nil {
		return nil, err
	}
	for _, f := range [...]struct{ name, v string }{
		{`,"eventId":`, d.EventID}, {`,"topic":`, d.Topic}, {`,"entityId":`, d.EntityID},
		{`,"method":`, d.Method}, {`,"path":`, d.Path}, {`,"host":`, d.Host}, {`,"remote":`, d.Remote},
	} {
		b = appendJSONString(append(b, f.name...), f.v)
	}
	b = appendHeader(append(b, `,"header":`...), d.Header)
	b = strconv.AppendBool(append(b, `,"verified":`...), d.Verified)
	if d.Duplicate {
		b = append(b, `,"duplicate":true`...)
	}
	if d.Skipped {
		b = append(b, `,"skipped":true`...)
	}
	if d.Duplicates != 0 {
		b = strconv.AppendInt(append(b, `,"duplicates":`...), int64(d.Duplicates), 10)
	}
	if d.LastDuplicateAt != nil {
		if b, err = appendTimeField(b, `,"lastDuplicateAt":`, *d.LastDuplicateAt); err != nil {
			return nil, err
		}
	}
	if d.SetAside != "" {
		b = appendJSONString(append(b, `,"setAside":`...), d.SetAside)
	}
	if len(d.Targets) > 0 {
		b = appendStrings(append(b, `,"targets":`...), d.Targets)
	}
	return append(b, '}'), nil
}

// AppendJSON appends st's JSON form, what json.Marshal(st) gives: one per
// forward outcome.
func (st *ForwardState) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if st.Status != 0 {
		b = strconv.AppendInt(append(b, `"status":`...), int64(st.Status), 10)
		b = append(b, ',')
	}
	b = strconv.AppendInt(append(b, `"attempts":`...), int64(st.Attempts), 10)
	b = strconv.AppendBool(append(b, `,"delivered":`...), st.Delivered)
	if st.GaveUp {
		b = append(b, `,"gaveUp":true`...)
	}
	if st.Dropped {
		b = append(b, `,"dropped":true`...)
	}
	if st.Error != "" {
		b = appendJSONString(append(b, `,"error":`...), st.Error)
	}
	b, err := appendTimeField(b, `,"at":`, st.At)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendTimeField appends name and t as time.Time.MarshalJSON writes it;
// times jsonenc.Time leaves to encoding/json take its path, error included.
func appendTimeField(b []byte, name string, t time.Time) ([]byte, error) {
	b = append(b, name...)
	if out, ok := jsonenc.Time(b, t); ok {
		return out, nil
	}
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// appendHeader writes a header map as encoding/json does: null when nil,
// keys sorted, each value list an array (null when nil).
func appendHeader(b []byte, h map[string][]string) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, k), ':')
		b = appendStrings(b, h[k])
	}
	return append(b, '}')
}

func appendStrings(b []byte, vs []string) []byte { return jsonenc.Strings(b, vs, true) }

func appendJSONString(b []byte, s string) []byte { return jsonenc.String(b, s, true) }
