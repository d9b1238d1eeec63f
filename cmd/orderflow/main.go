// Command orderflow runs orderflow's services: one binary, one subcommand per
// service, and `all` to run the whole pipeline in one process for a local run.
//
//	orderflow all | api | orders | payment | shipping | notifications
//	orderflow topics          create every topic and exit
//	orderflow gateway         the simulated payment gateway over HTTP
//	orderflow token --customer C [--admin]
//	orderflow watch --customer C
//	orderflow dlq list | replay --id P:O
//
// Configuration comes from flags, with defaults from the environment
// (orderflow help lists them).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "orderflow:", err)
		os.Exit(1)
	}
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, cfg Config, env env) error
}

// env is what a command may touch of the outside world.
type env struct {
	stdout, stderr io.Writer
	args           []string // after the subcommand's flags
}

var commands = map[string]command{
	"all":           {"run every service and the API in one process (the local run)", runAll},
	"api":           {"run the HTTP API", runAPIOnly},
	"orders":        {"run the orders group (order status and history)", runOrdersOnly},
	"payment":       {"run the payment stage", runPaymentOnly},
	"shipping":      {"run the shipping stage", runShippingOnly},
	"notifications": {"run the notifications stage", runNotificationsOnly},
	"topics":        {"create every topic with the configured partitions, then exit", runTopics},
	"gateway":       {"serve the simulated payment gateway over HTTP, for payment instances to share", runGateway},
	"token":         {"mint a development token: token --customer C [--admin]", runToken},
	"watch":         {"print a customer's notifications as NATS delivers them: watch --customer C", runWatch},
	"dlq":           {"list dead letters, or replay chosen ones: dlq list | dlq replay --id P:O [--id P:O] | dlq replay --all", runDLQ},
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, getenv)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr, getenv)
		return fmt.Errorf("unknown command %q", args[0])
	}
	cfg, rest, err := parseConfig(args[0], args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	return cmd.run(ctx, cfg, env{stdout: stdout, stderr: stderr, args: rest})
}
