package exepages

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// mapping is one read-only mapping of the executable.
type mapping struct {
	Start, End uint64 // addresses
	Perms      string // as in /proc/self/maps, e.g. "r-xp"
	Resident   int64  // bytes resident before Release
	Anonymous  int64  // bytes copied on write; a mapping with any is kept
}

// droppable: private, not writable, no page copied on write.
func (m mapping) droppable() bool {
	return m.Anonymous == 0 && len(m.Perms) == 4 && m.Perms[0] == 'r' && m.Perms[1] == '-' && m.Perms[3] == 'p'
}

// Release drops the resident pages of the executable's read-only,
// never-written mappings and reports what it dropped (bytes resident in
// those mappings before the call).
func Release() (int64, error) {
	maps, err := mappings()
	if err != nil {
		return 0, err
	}
	var released int64
	for _, m := range maps {
		if !m.droppable() {
			continue
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, uintptr(m.Start), uintptr(m.End-m.Start), unix.MADV_DONTNEED); errno != 0 {
			return released, fmt.Errorf("exepages: madvise %x-%x: %w", m.Start, m.End, errno)
		}
		released += m.Resident
	}
	return released, nil
}

// mappings lists the mappings of the running executable with their
// resident and copied-on-write sizes, from /proc/self/smaps.
func mappings() ([]mapping, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return nil, fmt.Errorf("exepages: %w", err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, fmt.Errorf("exepages: %w", err)
	}
	defer f.Close()
	return parseSmaps(f, unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
}

// parseSmaps reads smaps text and keeps the mappings of the file with the
// given device and inode.
func parseSmaps(r io.Reader, major, minor uint32, ino uint64) ([]mapping, error) {
	var (
		out []mapping
		cur *mapping
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		fields := bytes.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if isHeader(fields) {
			cur = nil
			if m, ok := mappingOf(fields, major, minor, ino); ok {
				out = append(out, m)
				cur = &out[len(out)-1]
			}
			continue
		}
		if cur == nil || len(fields) < 2 {
			continue
		}
		switch string(fields[0]) {
		case "Rss:":
			cur.Resident = kb(fields[1])
		case "Anonymous:":
			cur.Anonymous = kb(fields[1])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("exepages: reading smaps: %w", err)
	}
	return out, nil
}

// isHeader tells a mapping's first line ("start-end perms offset dev
// inode [path]") from its "Key: value" lines.
func isHeader(fields [][]byte) bool {
	return len(fields) >= 5 && bytes.IndexByte(fields[0], '-') > 0 && !bytes.HasSuffix(fields[0], []byte(":"))
}

// mappingOf parses a header line and keeps it if it maps the file with the
// given device and inode.
func mappingOf(fields [][]byte, major, minor uint32, ino uint64) (mapping, bool) {
	inode, err := strconv.ParseUint(string(fields[4]), 10, 64)
	if err != nil || inode != ino {
		return mapping{}, false
	}
	maj, min, ok := bytes.Cut(fields[3], []byte(":"))
	if !ok {
		return mapping{}, false
	}
	ma, err1 := strconv.ParseUint(string(maj), 16, 32)
	mi, err2 := strconv.ParseUint(string(min), 16, 32)
	if err1 != nil || err2 != nil || uint32(ma) != major || uint32(mi) != minor {
		return mapping{}, false
	}
	a, b, ok := bytes.Cut(fields[0], []byte("-"))
	if !ok {
		return mapping{}, false
	}
	start, err1 := strconv.ParseUint(string(a), 16, 64)
	end, err2 := strconv.ParseUint(string(b), 16, 64)
	if err1 != nil || err2 != nil || end <= start {
		return mapping{}, false
	}
	return mapping{Start: start, End: end, Perms: string(fields[1])}, true
}

func kb(b []byte) int64 {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0
	}
	return n << 10
}
