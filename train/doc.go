// Package train fits models the way Keras's model.fit does: a Trainer
// holds the model, loss, optimizer, metrics and callbacks, and Fit runs
// epochs over a data.Loader with validation, a progress bar (plain log
// lines when not on a terminal), a history, learning-rate schedules,
// gradient clipping and accumulation, and resumable checkpoints: cancel the
// context (Ctrl-C) and Fit stops at a step boundary, writes a checkpoint,
// and a later Fit with Resume continues exactly where it stopped.
package train
