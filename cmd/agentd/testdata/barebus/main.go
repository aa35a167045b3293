// Command barebus runs agentd's bus alone (an embedded nats-server with
// JetStream and agentd's streams and buckets) until SIGTERM: the baseline
// of BenchmarkIdleRSSRatio. Usage: barebus DATA_DIR
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agentd/agentd/internal/bus"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: barebus DATA_DIR")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	b, err := bus.Open(openCtx, bus.Config{DataDir: os.Args[1]}, nil)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	<-ctx.Done()
	if err := b.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
