// Package llm is agentd's client for OpenAI-compatible chat endpoints
// (POST {base}/chat/completions): Ollama (http://localhost:11434/v1),
// llama.cpp's server, vLLM, LM Studio, LocalAI, OpenRouter and OpenAI.
//
// The client is hand-written on net/http rather than built on
// github.com/openai/openai-go: that SDK adds about 25 MB to the binary for
// the one endpoint we call, and the wire format we need (messages,
// response_format, usage, refusal) is small and shared by every server above.
// Owning it also lets us degrade structured output gracefully, which the SDK
// leaves to the caller: a server that rejects json_schema is retried once with
// json_object and then with the schema described in the prompt, and the mode
// that works is remembered so later calls do not pay for the failed attempts.
//
// The pieces are small and composed by [Client]:
//
//	cache (Cache) → budget (Budget.Allow) → Provider.Complete → Budget.Spend → Ledger.Record → cache
//
// [Batcher] groups requests arriving within a short window so one call handles
// a batch. Nothing here retries transient failures: the planner's work comes
// from durable JetStream consumers, so a retryable [Error] is answered by a
// Nak with the error's delay, and the same work comes back later. Retrying in
// here as well would spend budget twice and hold a consumer for minutes.
//
// Time is always injected (Config.Now, the now arguments of Budget, Cache and
// Ledger) so tests and `agentd plan --at` do not depend on the wall clock.
package llm
