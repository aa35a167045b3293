// Package archtest holds no code, only a test that keeps the import rules of
// DESIGN.md true: watchers know nothing of the planner or of each other's
// families, the planner knows nothing of watchers or notifiers, event and
// rules are leaves, and only internal/bus imports NATS (nats.go and
// nats-server). A rule that is only written down erodes with the
// first convenient import; a failing test does not.
package archtest
