package boltstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/kwh-cli/kwh/internal/store/boltfile"
)

// The listen store writes every change first to an append-only log: one
// write and one fdatasync per group of concurrent requests, a few hundred
// bytes each. bbolt then takes the logged changes in large transactions in
// the background. Writing straight to bbolt cost a copy-on-write page per
// touched bucket per commit, about eight times the bytes actually received.
//
// A frame is: length (4 bytes) | CRC-32C of the rest (4) | LSN (8) | entry.
// A frame cut short by a crash fails its length or CRC and ends the log:
// nothing after it was ever acknowledged, because a batch is acknowledged
// only after its fdatasync and the next batch is written only after that.
// Frames after a rewind carry LSNs above all stale ones beyond them.

const frameHeader = 4 + 4 + 8

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// maxFrame bounds what a corrupt length could make redoLog allocate.
const maxFrame = 64 << 20

// The log is overwritten in place rather than appended to: a file whose size
// does not change syncs its data without a journal commit, which on ext4 costs
// about a third of the CPU of an appending fdatasync and half its latency. So
// the file is zero-filled ahead of the writes (walChunk at a time), and once
// bbolt holds everything logged, writing starts again at offset 0. Replay
// tells the current frames from stale ones by their LSNs, which must follow
// one another.
const walChunk = 4 << 20

type wal struct {
	f    *os.File
	off  int64 // where the next frames go
	size int64 // the file's length, all of it zero-filled or written
}

func openWAL(path string) (*wal, error) {
	if err := boltfile.CheckPrivateFile(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		if f, err = boltfile.CreatePrivate(path); err == nil {
			syncDir(filepath.Dir(path)) // so the new file survives a crash
		}
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &wal{f: f, size: st.Size()}, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// appendFrame adds one framed entry to buf.
func appendFrame(buf []byte, lsn uint64, entry []byte) []byte {
	start := len(buf)
	buf = binary.BigEndian.AppendUint32(buf, uint32(8+len(entry)))
	buf = append(buf, 0, 0, 0, 0) // CRC, filled below
	buf = binary.BigEndian.AppendUint64(buf, lsn)
	buf = append(buf, entry...)
	binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(buf[start+8:], crcTable))
	return buf
}

// write puts frames at the write offset and makes them durable.
func (w *wal) write(frames []byte) error {
	end := w.off + int64(len(frames))
	if end > w.size {
		if err := w.zeroFill(end); err != nil {
			return err
		}
	}
	if _, err := w.f.WriteAt(frames, w.off); err != nil {
		return err
	}
	if err := fdatasync(w.f); err != nil {
		return err
	}
	w.off = end
	return nil
}

// zeroFill grows the file with zeros to at least end, a chunk at a time;
// the next fdatasync makes the new length durable. On a nearly full disk
// it settles for what the write needs: an event that fits is taken.
func (w *wal) zeroFill(end int64) error {
	grown := (end/walChunk + 1) * walChunk
	if err := w.writeZeros(grown); err == nil {
		return nil
	}
	w.restat()
	if end <= w.size {
		return nil // the failed chunk still made room enough
	}
	if err := w.writeZeros(end); err != nil {
		w.restat()
		return err
	}
	return nil
}

// zeros is what zeroFill writes, a piece at a time: a chunk's worth of new
// memory per chunk of log was garbage for the collector.
var zeros [256 << 10]byte

// writeZeros fills the file with zeros from its length to end.
func (w *wal) writeZeros(end int64) error {
	for w.size < end {
		n, err := w.f.WriteAt(zeros[:min(int64(len(zeros)), end-w.size)], w.size)
		w.size += int64(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// restat learns the file's length after a write that may have extended it
// partly.
func (w *wal) restat() {
	if st, err := w.f.Stat(); err == nil {
		w.size = st.Size()
	}
}

// rewind starts writing at the beginning again; call it only once bbolt
// holds everything in the log.
func (w *wal) rewind() { w.off = 0 }

// frame is one logged entry.
type frame struct {
	lsn   uint64
	entry []byte
}

// readAll returns the current frames: from the start of the file while each
// is intact and follows the one before. What comes after was cut short by a
// crash (and never acknowledged) or is left from before a rewind.
func (w *wal) readAll() ([]frame, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(w.f, 0, w.size), 1<<20)
	var out []frame
	head := make([]byte, 8)
	for {
		if _, err := io.ReadFull(r, head); err != nil {
			return out, nil
		}
		n := int(binary.BigEndian.Uint32(head))
		if n < 8 || n > maxFrame {
			return out, nil
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return out, nil
		}
		if crc32.Checksum(body, crcTable) != binary.BigEndian.Uint32(head[4:]) {
			return out, nil
		}
		lsn := binary.BigEndian.Uint64(body)
		if len(out) > 0 && lsn != out[len(out)-1].lsn+1 {
			return out, nil
		}
		out = append(out, frame{lsn: lsn, entry: body[8:]})
	}
}

// clear rewinds and invalidates the first frame, so the next start reads
// nothing (after a clean stop everything is in bbolt).
func (w *wal) clear() error {
	w.rewind()
	if w.size < frameHeader {
		return nil
	}
	if _, err := w.f.WriteAt(make([]byte, frameHeader), 0); err != nil {
		return err
	}
	return fdatasync(w.f)
}

func (w *wal) close() error { return w.f.Close() }
