// Command orderflow runs orderflow's services: one binary, one subcommand per
// service, and `all` to run the whole pipeline in one process for a local run.
//
//	orderflow all | api | orders | payment | shipping | notifications
//	orderflow topics          create every topic and exit
//	orderflow gateway         the simulated payment gateway over HTTP
//	orderflow nats-auth       customers' logins to an external NATS server
//	orderflow token --customer C [--admin] [--ttl D]
//	orderflow watch --customer C [--token T]
//	orderflow dlq list | replay --id P:O [--id P:O] | replay --all
//	orderflow healthcheck     is the service at METRICS_ADDR ready? (exit 0 or 1)
//	orderflow compose-env     fresh secrets for docker-compose.yml's .env
//
// Configuration comes from flags, with defaults from the environment
// (orderflow help lists them). The services share one Config; each tool
// (token, watch, dlq) reads only the settings it uses.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	limitMemory(os.Getenv, os.Args[1:])
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "orderflow:", err)
		os.Exit(1)
	}
}

// command is one subcommand; it parses its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// env is what a command may touch of the outside world.
type env struct {
	name           string // of the subcommand
	getenv         func(string) string
	stdout, stderr io.Writer
}

var commands = map[string]command{
	"all":           {"run every service and the API in one process (the local run)", service(runAll)},
	"api":           {"run the HTTP API", service(runAPIOnly)},
	"orders":        {"run the orders group (order status and history)", service(runOrdersOnly)},
	"payment":       {"run the payment stage", service(runPaymentOnly)},
	"shipping":      {"run the shipping stage", service(runShippingOnly)},
	"notifications": {"run the notifications stage", service(runNotificationsOnly)},
	"topics":        {"create every topic with the configured partitions, then exit", service(runTopics)},
	"nats-auth":     {"answer an external NATS server's auth callout: customers log in with their API token (deploy/nats-server.conf)", service(runNATSAuth)},
	"gateway":       {"serve the simulated payment gateway over HTTP, for payment instances to share", service(runGateway)},
	"token":         {"mint a development token: token --customer C [--admin] [--ttl D]", runToken},
	"watch":         {"print a customer's notifications as NATS delivers them: watch --customer C [--token T]", runWatch},
	"compose-env":   {"print fresh secrets for docker-compose.yml's .env, or write them to a new file: compose-env [-o .env]", runComposeEnv},
	"healthcheck":   {"exit 0 if the service at METRICS_ADDR is ready, else 1 saying why: the container health check", runHealthcheck},
	"dlq":           {"list dead letters, or replay chosen ones: dlq list | dlq replay --id P:O [--id P:O] | dlq replay --all", runDLQ},
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return usage(stdout, getenv)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return errors.Join(fmt.Errorf("unknown command %q", args[0]), usage(stderr, getenv))
	}
	err := cmd.run(ctx, env{name: args[0], getenv: getenv, stdout: stdout, stderr: stderr}, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the flags were printed, as asked
	}
	return err
}

// service runs a service with the Config every service shares.
func service(run func(context.Context, Config, env) error) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, args []string) error {
		cfg, err := parseConfig(e.name, args, e.getenv, e.stderr)
		if err != nil {
			return err
		}
		return run(ctx, cfg, e)
	}
}

// closeInto closes c and joins a failure, naming what was closed, to *err.
// It is for a deferred Close in a function with a named error result: what
// was written may only be safe once Close returns, and a read that looked
// complete is not if the connection ends badly, so the error is not dropped.
func closeInto(err *error, c io.Closer, what string) {
	if cerr := c.Close(); cerr != nil {
		*err = errors.Join(*err, fmt.Errorf("closing %s: %w", what, cerr))
	}
}
