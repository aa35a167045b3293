// Package memprofile turns off the runtime's heap-profile sampling for the
// program that imports it, before the other packages' init functions run.
//
// Go samples one allocation in every 512 KB by default, and the first
// sample makes the runtime map its 1.4 MB profile hash table and keep a
// record per call stack sampled; in agentd's idle daemon that was 4.6 MB
// of its resident memory (25.2 MB anonymous with sampling, 20.5 MB
// without, 100 feeds, after the first sync). Nobody reads those profiles
// unless they ask for them: `agentd run --pprof-addr` calls Enable.
//
// cmd/agentd imports this package first. Packages are initialized in
// dependency order and, among those ready, by import path; this one
// depends on nothing but the runtime and its path sorts before the
// dependencies that allocate at init (nats-server, phonenumbers,
// protobuf), so its init runs before theirs.
package memprofile

import "runtime"

func init() { runtime.MemProfileRate = 0 }

// DefaultRate is the runtime's default sampling rate (bytes).
const DefaultRate = 512 * 1024

// Enable turns heap-profile sampling back on at the runtime's default rate;
// profiles then cover what is allocated from now on.
func Enable() { runtime.MemProfileRate = DefaultRate }
