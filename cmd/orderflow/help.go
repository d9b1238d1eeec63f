package main

import (
	"bytes"
	"fmt"
	"io"
	"sort"
)

// usage lists the commands and the flags of each, with the environment
// variables they default from; the flag sets are the ones the commands
// parse, so that no setting can be missing here.
func usage(w io.Writer, getenv func(string) string) error {
	// flag.FlagSet.PrintDefaults drops its write errors: everything goes to
	// a buffer first, and the one write that can fail is checked.
	var b bytes.Buffer
	fmt.Fprintln(&b, "usage: orderflow <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-14s %s\n", n, commands[n].summary)
	}
	for _, f := range []*envFlags{
		serviceFlags(new(Config), "<service>", getenv, &b),
		tokenFlags(new(tokenConfig), getenv, &b),
		watchFlags(new(watchConfig), getenv, &b),
		dlqFlags(new(dlqConfig), getenv, &b),
		healthcheckFlags(new(healthcheckConfig), getenv, &b),
	} {
		if err := f.printDefaults(); err != nil {
			return err
		}
	}
	if _, err := b.WriteTo(w); err != nil {
		return fmt.Errorf("printing usage: %w", err)
	}
	return nil
}
