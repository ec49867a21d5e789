package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/emberdl/ember/train"
)

// app is what every command shares: where output goes, and hooks that
// tests use to watch a run.
type app struct {
	stdout, stderr io.Writer
	// afterStep, when set, is called after every optimizer step of
	// "ember train" (tests cancel the run from here).
	afterStep func(epoch, batch int)
}

// logger writes plain log lines to stderr.
func (a *app) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
			if len(groups) == 0 && at.Key == slog.TimeKey {
				return slog.String(slog.TimeKey, at.Value.Time().Format("15:04:05"))
			}
			return at
		},
	}))
}

// exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// usageError marks errors in the command line (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return (&app{stdout: stdout, stderr: stderr}).run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(a.stderr, "ember:", err)
	var ue usageError
	switch {
	case errors.Is(err, train.ErrInterrupted):
		return exitInterrupted
	case errors.As(err, &ue):
		return exitUsage
	}
	return exitError
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "ember",
		Short: "Train, evaluate and benchmark Ember models",
		Long: `ember trains the models of Ember's zoo (mlp, cnn, resnet, gpt-char) on
Fashion-MNIST, MNIST, CIFAR-10, CSV tables or text files, evaluates and
applies saved models, prints model summaries and system information, and
runs the project's reference benchmarks.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(a.trainCommand(), a.evalCommand(), a.predictCommand(), a.summaryCommand(),
		a.infoCommand(), a.benchCommand())
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	}
	return root
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
