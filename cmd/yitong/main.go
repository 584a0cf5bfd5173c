// Command yitong is the Yitong regional health platform in one binary.
//
//	yitong serve   serve the web pages and the FHIR API
//	yitong import  load Bundles and NDJSON files
//	yitong audit   verify, checkpoint and export the audit log
//	yitong bench   run a benchmark scenario
//	yitong version print the version
//
// Each subcommand is a type with its own flag set; `yitong CMD -h` lists its
// flags. This file and app.go are the only places where adapters (SQLite,
// PostgreSQL, HTTP) are wired together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// command is one subcommand.
type command interface {
	// Run runs the command with its arguments (after the subcommand name).
	Run(ctx context.Context, args []string) error
	// Summary is the one-line description shown in the usage.
	Summary() string
}

func commands(stdout, stderr io.Writer) map[string]command {
	return map[string]command{
		"serve":   &serveCmd{stderr: stderr},
		"import":  &importCmd{stdout: stdout, stderr: stderr},
		"bench":   &benchCmd{stdout: stdout, stderr: stderr},
		"audit":   &auditCmd{stdout: stdout, stderr: stderr},
		"admin":   &adminCmd{stdout: stdout, stderr: stderr},
		"version": &versionCmd{stdout: stdout},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "yitong:", err)
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		os.Exit(1)
	}
}

// exitCode is an error that asks for a specific exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands(stdout, stderr)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return exitCode(2)
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.Run(ctx, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: yitong COMMAND [flags]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].Summary())
	}
	fmt.Fprintln(w, "\n'yitong COMMAND -h' lists a command's flags.")
}

type versionCmd struct{ stdout io.Writer }

func (c *versionCmd) Summary() string { return "print the version" }
func (c *versionCmd) Run(ctx context.Context, args []string) error {
	_, err := fmt.Fprintln(c.stdout, "yitong", version)
	return err
}
