package listen

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/kwh-cli/kwh/internal/jsonenc"
)

// AppendNDJSON appends e as one NDJSON line: what a json.Encoder with
// SetEscapeHTML(false) writes for it, newline included, without reflection
// (kwh listen -o ndjson writes two lines per push). TestEventNDJSONIsEncoders
// and FuzzEventNDJSON hold it to the Encoder.
func (e *Event) AppendNDJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = jsonenc.String(append(b, `{"type":`...), string(e.Kind), false)
	b, ok := jsonenc.Time(append(b, `,"time":`...), e.Time)
	if !ok {
		return encodeEvent(b[:start], e)
	}
	b = appendUint(b, `,"deliveryId":`, e.DeliveryID)
	b = appendString(b, `,"eventId":`, e.EventID)
	b = appendString(b, `,"topic":`, e.Topic)
	b = appendString(b, `,"entityId":`, e.EntityID)
	b = appendString(b, `,"remote":`, e.Remote)
	b = appendBool(b, `,"verified":true`, e.Verified)
	b = appendString(b, `,"target":`, e.Target)
	b = appendInt(b, `,"status":`, int64(e.Status))
	if e.LatencyMs != 0 {
		if b, ok = jsonenc.Float(append(b, `,"latencyMs":`...), e.LatencyMs); !ok {
			return encodeEvent(b[:start], e)
		}
	}
	b = appendInt(b, `,"attempt":`, int64(e.Attempt))
	b = appendInt(b, `,"retryInMs":`, e.RetryInMs)
	b = appendBool(b, `,"gaveUp":true`, e.GaveUp)
	b = appendString(b, `,"reason":`, e.Reason)
	b = appendInt(b, `,"pending":`, int64(e.Pending))
	b = appendInt(b, `,"backlog":`, int64(e.Backlog))
	b = appendInt(b, `,"oldestPendingMs":`, e.OldestPendingMs)
	b = appendInt(b, `,"dropped":`, int64(e.Dropped))
	b = appendBool(b, `,"lossless":true`, e.Lossless)
	b = appendBool(b, `,"shared":true`, e.Shared)
	b = appendString(b, `,"url":`, e.URL)
	if len(e.Targets) > 0 {
		b = jsonenc.Strings(append(b, `,"targets":`...), e.Targets, false)
	}
	b = appendString(b, `,"store":`, e.Store)
	b = appendBool(b, `,"sync":true`, e.Sync)
	b = appendString(b, `,"inspector":`, e.Inspector)
	b = appendString(b, `,"metrics":`, e.Metrics)
	return append(b, '}', '\n'), nil
}

// encodeEvent is the Encoder's own path, for values AppendNDJSON leaves to it.
func encodeEvent(b []byte, e *Event) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(e)
	return buf.Bytes(), err
}

// The omitempty fields: written only when set.
func appendString(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	return jsonenc.String(append(b, name...), v, false)
}

func appendInt(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(append(b, name...), v, 10)
}

func appendUint(b []byte, name string, v uint64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendUint(append(b, name...), v, 10)
}

func appendBool(b []byte, field string, v bool) []byte {
	if !v {
		return b
	}
	return append(b, field...)
}
