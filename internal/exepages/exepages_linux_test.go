package exepages

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
)

// present reports whether the page holding p is mapped into this process
// (bit 63 of its /proc/self/pagemap entry).
func present(t *testing.T, p uintptr) bool {
	t.Helper()
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [8]byte
	if _, err := f.ReadAt(b[:], int64(p/uintptr(os.Getpagesize()))*8); err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint64(b[:])&(1<<63) != 0
}

// The test binary is an executable like agentd. A page of code the test
// has read is mapped; after Release it is not, and reading it again maps
// it again from the page cache (the code is intact).
func TestReleaseUnmapsCodeUntilItIsUsed(t *testing.T) {
	code := reflect.ValueOf(http.ListenAndServe).UnsafePointer() // code this test never runs
	first := *(*byte)(code)
	if !present(t, uintptr(code)) {
		t.Fatal("a page of code just read is not mapped")
	}
	maps, err := mappings()
	if err != nil {
		t.Fatal(err)
	}
	var resident int64
	for _, m := range maps {
		if m.droppable() {
			resident += m.Resident
		}
	}
	released, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	// The code run between the two readings of smaps maps a few more pages.
	if resident == 0 || released < resident/2 || released > 2*resident {
		t.Errorf("Release reported %d bytes, the droppable mappings held %d just before", released, resident)
	}
	if present(t, uintptr(code)) {
		t.Error("after Release the page of code is still mapped")
	}
	if again := *(*byte)(code); again != first || !present(t, uintptr(code)) {
		t.Errorf("read again: %#x (was %#x), mapped %v", again, first, present(t, uintptr(code)))
	}
	if s := fmt.Sprintf("%d-%s", 42, strings.Repeat("x", 3)); s != "42-xxx" {
		t.Fatalf("Sprintf = %q", s)
	}
}

func TestParseSmapsKeepsOnlyTheExecutable(t *testing.T) {
	const smaps = `00400000-00500000 r-xp 00000000 fd:01 1234 /usr/bin/agentd
Size:               1024 kB
Rss:                 900 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
00500000-00600000 r--p 00100000 fd:01 1234 /usr/bin/agentd
Rss:                 500 kB
Anonymous:             8 kB
00600000-00610000 rw-p 00200000 fd:01 1234 /usr/bin/agentd
Rss:                  64 kB
Anonymous:            60 kB
00700000-00800000 r-xp 00000000 fd:02 1234 /other/fs/same-inode
Rss:                 100 kB
Anonymous:             0 kB
7f0000000000-7f0000100000 r-xp 00000000 fd:01 999 /usr/lib/libc.so.6
Rss:                 800 kB
Anonymous:             0 kB
7f0000200000-7f0000300000 rw-p 00000000 00:00 0
Rss:                 400 kB
Anonymous:           400 kB
`
	maps, err := parseSmaps(strings.NewReader(smaps), 0xfd, 0x01, 1234)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range maps {
		got = append(got, fmt.Sprintf("%x-%x %s rss=%d anon=%d drop=%v", m.Start, m.End, m.Perms, m.Resident>>10, m.Anonymous>>10, m.droppable()))
	}
	want := []string{
		"400000-500000 r-xp rss=900 anon=0 drop=true",
		"500000-600000 r--p rss=500 anon=8 drop=false", // a relocated page: kept
		"600000-610000 rw-p rss=64 anon=60 drop=false", // the data segment
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parsed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
