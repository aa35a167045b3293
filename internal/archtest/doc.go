// Package archtest holds no code, only a test that keeps the import rules of
// DESIGN.md true: watchers know nothing of the planner or of each other's
// families, the planner knows nothing of watchers or notifiers, and event
// and rules are leaves. A rule that is only written down erodes with the
// first convenient import; a failing test does not.
package archtest
