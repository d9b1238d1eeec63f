package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// healthcheckConfig is what `orderflow healthcheck` reads: where the service
// it checks serves its health. In a container that is the service's own
// METRICS_ADDR, from the same environment.
type healthcheckConfig struct {
	MetricsAddr string
	URL         string
	Timeout     time.Duration
}

func healthcheckFlags(c *healthcheckConfig, getenv func(string) string, output io.Writer) *envFlags {
	f := newEnvFlags("healthcheck", getenv, output)
	f.String(&c.MetricsAddr, "metrics-addr", "METRICS_ADDR", defaultMetricsAddr, "the service's metrics address, whose /readyz is asked")
	f.fs.StringVar(&c.URL, "url", "", "ask this URL instead; ready is a 200")
	f.fs.DurationVar(&c.Timeout, "timeout", 3*time.Second, "how long to wait for the answer")
	return f
}

// runHealthcheck asks the service in this container, or on this machine,
// whether it is ready: exit status 0 if it is, 1 with one line saying why
// not. It is the image's HEALTHCHECK, so it needs nothing but the binary.
func runHealthcheck(ctx context.Context, e env, args []string) error {
	var c healthcheckConfig
	if err := healthcheckFlags(&c, e.getenv, e.stderr).parse(args); err != nil {
		return err
	}
	url, err := c.target()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	if err := askReady(ctx, url); err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	if _, err := fmt.Fprintln(e.stdout, "ready:", url); err != nil {
		return fmt.Errorf("healthcheck: printing: %w", err)
	}
	return nil
}

// target is the URL to ask: -url, or /readyz on the metrics address, where
// an address that listens on every interface is asked on loopback.
func (c healthcheckConfig) target() (string, error) {
	if c.URL != "" {
		return c.URL, nil
	}
	if c.MetricsAddr == "" {
		return "", errors.New("healthcheck: METRICS_ADDR is empty, so the service serves no health to ask; set it, or pass -url")
	}
	host, port, err := net.SplitHostPort(c.MetricsAddr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: METRICS_ADDR %q: %w", c.MetricsAddr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

// askReady GETs url and wants a 200; anything else is an error that says
// what the service answered, on one line.
func askReady(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("asking %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return fmt.Errorf("%s answered %s; reading why: %w", url, resp.Status, err)
	}
	return fmt.Errorf("%s answered %s: %s", url, resp.Status, oneLine(string(body)))
}

// oneLine joins the lines of s with "; ", so that a container's health log,
// which keeps the output of each check, shows each on one line.
func oneLine(s string) string {
	var lines []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}
