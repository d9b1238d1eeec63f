package main

import (
	"fmt"
	"io"
	"sort"
)

// usage lists the commands and the flags of each, with the environment
// variables they default from; the flag sets are the ones the commands
// parse, so that no setting can be missing here.
func usage(w io.Writer, getenv func(string) string) {
	fmt.Fprintln(w, "usage: orderflow <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
	serviceFlags(new(Config), "<service>", getenv, w).printDefaults()
	tokenFlags(new(tokenConfig), getenv, w).printDefaults()
	watchFlags(new(watchConfig), getenv, w).printDefaults()
	dlqFlags(new(dlqConfig), getenv, w).printDefaults()
}
