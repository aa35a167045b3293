// Package exepages hands the kernel back the pages of agentd's own
// executable that an idle daemon no longer runs.
//
// A Go binary is mapped from its file. The kernel maps code in 64 KB
// chunks around each page touched ("fault-around"), and a daemon's start
// runs the init code of every package it links, so after the first sync
// almost the whole binary (28 MB of agentd's 30 MB of code and read-only
// data) counts in the process's resident size, although most of it never
// runs again. Release tells the kernel, with madvise(MADV_DONTNEED), that
// the read-only mappings of the executable are not needed: the pages stay
// in the page cache (no disk read when they are needed again, and other
// processes mapping the file keep them), and code that runs again is
// mapped again on its next use, at the cost of a minor fault per 64 KB.
//
// Only mappings that are safe to drop are touched: private, not writable,
// of the file the process was started from (same device and inode, so a
// binary replaced on disk is still recognised), and without a single
// copied-on-write page (a page the dynamic loader relocated, or a debugger
// wrote, would be lost). Everything else — the heap, the data segment,
// shared libraries — is left alone. On systems other than Linux, Release
// does nothing.
package exepages
