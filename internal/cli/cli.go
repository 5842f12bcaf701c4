// Package cli is the flag and help plumbing shared by the tessera and
// tessera-bench commands: -h prints a command's own help (usage, about,
// its flags with the defaults in force, examples) rather than Go's flag
// dump, and a bad flag is an error that says where help is.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
)

// Main runs program prog: run gets the arguments after the program's name
// and a context cancelled by SIGINT or SIGTERM. An error is printed as
// "prog: error" and exits 1; flag.ErrHelp (help was asked for) exits 0.
func Main(prog string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, prog+":", err)
		os.Exit(1)
	}
}

// Help is what `PROG CMD -h` prints around the command's flags, which are
// listed from the flag set itself so that the defaults shown are the ones
// in force.
type Help struct {
	Usage    string // after "PROG "
	Summary  string // one line, for the command list
	About    string
	Examples string
}

// Flags is a command's flag set: -h prints the command's help to out, and
// a bad flag is an error that says where help is.
type Flags struct {
	*flag.FlagSet
	prog, name string
	help       Help
	out        io.Writer
}

// NewFlags returns the flag set of command name of program prog, whose
// -h prints help to out.
func NewFlags(prog, name string, help Help, out io.Writer) *Flags {
	fs := flag.NewFlagSet(prog+" "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &Flags{FlagSet: fs, prog: prog, name: name, help: help, out: out}
}

// Parse parses args and handles -h and errors as described on Flags.
func (f *Flags) Parse(args []string) error {
	err := f.FlagSet.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		WriteHelp(f.out, f.prog, f.help, f.FlagSet)
		return flag.ErrHelp
	case err != nil:
		return fmt.Errorf("%s: %w (see %s %s -h)", f.name, err, f.prog, f.name)
	}
	return nil
}

// ParseInterspersed parses flags that may come before or after positional
// arguments ("tessera search "usb cable" --limit 5") and returns the
// positional ones.
func (f *Flags) ParseInterspersed(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, err
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// WriteHelp prints one command's help; fs may be nil for a command
// without flags.
func WriteHelp(w io.Writer, prog string, h Help, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage:\n  %s %s\n", prog, h.Usage)
	if h.About != "" {
		fmt.Fprintf(w, "\n%s\n", h.About)
	}
	if fs != nil {
		var b strings.Builder
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fs.VisitAll(func(f *flag.Flag) {
			arg, usage := flag.UnquoteUsage(f)
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				arg = ""
			} else if !strings.Contains(f.Usage, "`") {
				arg = placeholder(f.Name, arg)
			}
			if arg != "" {
				arg = " " + arg
			}
			if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "[]" && d != "map[]" && !strings.Contains(usage, "(default") {
				usage += " (default " + d + ")"
			}
			fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, arg, usage)
		})
		tw.Flush()
		if b.Len() > 0 {
			fmt.Fprintf(w, "\nFlags:\n%s", b.String())
		}
	}
	if h.Examples != "" {
		fmt.Fprint(w, "\nExamples:\n")
		for _, line := range strings.Split(h.Examples, "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
}

// WriteUsage prints a program's command list: title, then each command of
// names with its summary.
func WriteUsage(w io.Writer, title, prog string, names []string, helps map[string]Help) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  %s COMMAND [flags]\n\nCommands:\n", title, prog)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, name := range names {
		fmt.Fprintf(tw, "  %s\t%s\n", name, helps[name].Summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun \"%s help COMMAND\" or \"%s COMMAND -h\" for a command's flags and examples.\n", prog, prog)
}

// placeholder names a flag's argument by what it holds rather than its Go
// type: --data DIR reads better than --data string.
func placeholder(name, typ string) string {
	switch typ {
	case "int", "uint", "int64", "uint64":
		return "N"
	case "float":
		return "X"
	case "duration":
		return "DURATION"
	}
	switch name {
	case "data", "export":
		return "DIR"
	case "schema", "file", "rejects", "out", "cpuprofile", "base", "base-file", "queries-file", "truth", "config":
		return "FILE"
	case "store":
		return "URI"
	case "server":
		return "URL"
	case "max-rejects":
		return "N|P%"
	case "addr":
		return "HOST:PORT"
	}
	parts := strings.Split(name, "-")
	return strings.ToUpper(parts[len(parts)-1])
}
