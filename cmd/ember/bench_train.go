package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/data/datasets"
	"github.com/emberdl/ember/models"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
)

// benchFmnist is train_fmnist.py: a plain loop over the training set in
// memory (a seeded permutation per epoch, batches of 128, the last one
// smaller), cross-entropy, Adam 1e-3; the test set is evaluated after
// every epoch in batches of 1000, outside the training time.
func benchFmnist(ctx context.Context, e *emitter, dev ember.Device, c benchConfig, name, model string, targetAcc float64) error {
	seed := c.FmnistSeed
	ember.ManualSeed(seed)
	var d *datasets.Dataset
	var err error
	if c.FmnistDataset == "sample" {
		d, err = datasets.FashionMNISTSample()
	} else {
		d, err = datasets.Load(ctx, "fashion-mnist", datasets.Options{Download: !c.FmnistOffline})
	}
	if err != nil {
		return err
	}
	images := func(raw []uint8, n int) *ember.Tensor {
		x := ember.FromSlice(raw, n, 1, 28, 28).To(ember.Float32)
		x.MulScalarInPlace(1.0 / 255) // no second copy of the data set
		if model == "mlp" {
			x = x.Reshape(n, 784)
		}
		return x.To(dev)
	}
	ntr := d.NumTrain()
	if c.FmnistLimit > 0 {
		ntr = min(ntr, c.FmnistLimit)
	}
	xtr, ytr := images(d.TrainImages[:ntr*784], ntr), ember.FromSlice(d.TrainLabels[:ntr]).To(ember.Int64, dev)
	nte := d.NumTest()
	if c.FmnistTestLim > 0 {
		nte = min(nte, c.FmnistTestLim)
	}
	xte, yte := images(d.TestImages[:nte*784], nte), ember.FromSlice(d.TestLabels[:nte]).To(ember.Int64, dev)
	// The raw bytes and the conversion's temporaries are garbage now:
	// collect them and hand their pages back before training, so that
	// training's buffers start from the data set alone, not on top of its
	// loading (PyTorch frees such temporaries when their last reference
	// goes). Outside the timing, like the script's loading.
	d = nil
	if err := ember.EmptyCache(); err != nil {
		return err
	}
	m, err := models.New(model, models.Config{Generator: ember.NewGenerator(seed)})
	if err != nil {
		return err
	}
	if err := nn.To(m, dev); err != nil {
		return err
	}
	opt := optim.NewAdam(nn.Parameters(m), optim.AdamOptions{LR: 1e-3})
	gen := ember.NewGenerator(seed)
	batch := c.FmnistBatch
	cfg := object{{"model", name}, {"batch", batch}, {"optimizer", "adam"}, {"lr", 1e-3}, {"epochs", c.FmnistEpochs},
		{"seed", seed}, {"params", nn.NumParams(m, false)}}
	step, trainTime, steadyTime, steadySamples := 0, 0.0, 0.0, 0
	var epochTimes, accs []float64
	var tta []float64 // epoch, train time, wall time
	var tSteady time.Time
	e.markStart()
	wall0 := time.Now()
	for epoch := 1; epoch <= c.FmnistEpochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		nn.Train(m)
		perm := ember.Randperm(ntr, gen).To(dev)
		lossSum := 0.0
		t0 := time.Now()
		for s := 0; s < ntr; s += batch {
			idx := perm.Narrow(0, s, min(batch, ntr-s))
			loss := ember.CrossEntropy(m.Forward(xtr.IndexSelect(0, idx)), ytr.IndexSelect(0, idx), nil)
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
			lossSum += loss.Item() * float64(idx.Size(0))
			step++
			if step == c.FmnistWarmup {
				tSteady = time.Now()
			} else if step > c.FmnistWarmup {
				steadySamples += idx.Size(0)
			}
		}
		t1 := time.Now()
		et := t1.Sub(t0).Seconds()
		epochTimes = append(epochTimes, et)
		trainTime += et
		from := t0
		if epoch == 1 {
			from = tSteady
		}
		steadyTime += t1.Sub(from).Seconds()
		// Training's buffers and the evaluation's (batches of 1000) differ in
		// size: handing the cache back between them keeps the peak memory
		// near the larger phase instead of their sum (outside the timing).
		if err := ember.EmptyCache(); err != nil {
			return err
		}
		acc := fmnistAccuracy(m, xte, yte)
		if err := ember.EmptyCache(); err != nil {
			return err
		}
		accs = append(accs, acc)
		if err := e.emit(name+"_epoch", cfg.with(field{"epoch", epoch}), "test_accuracy", acc, "fraction",
			field{"epoch_time_s", et}, field{"train_loss", lossSum / float64(ntr)}); err != nil {
			return err
		}
		if tta == nil && targetAcc > 0 && acc >= targetAcc {
			tta = []float64{float64(epoch), trainTime, time.Since(wall0).Seconds()}
		}
	}
	if err := e.emit(name, cfg, "train_throughput", float64(steadySamples)/steadyTime, "samples/s",
		field{"note", fmt.Sprintf("steady state: all steps after the first %d, eval excluded", c.FmnistWarmup)}); err != nil {
		return err
	}
	sorted := append([]float64(nil), epochTimes...)
	sort.Float64s(sorted)
	per := make([]float64, len(epochTimes))
	for i, t := range epochTimes {
		per[i] = math.Round(t*1000) / 1000
	}
	if err := e.emit(name, cfg, "epoch_time", sorted[len(sorted)/2], "s", field{"min", sorted[0]},
		field{"max", sorted[len(sorted)-1]}, field{"per_epoch", per}); err != nil {
		return err
	}
	perAcc := make([]float64, len(accs))
	for i, a := range accs {
		perAcc[i] = math.Round(a*1e4) / 1e4
	}
	if err := e.emit(name, cfg, "test_accuracy", accs[len(accs)-1], "fraction", field{"per_epoch", perAcc}); err != nil {
		return err
	}
	if targetAcc > 0 {
		tcfg := cfg.with(field{"target", targetAcc})
		var err error
		if tta == nil {
			err = e.emit(name, tcfg, "time_to_accuracy", nil, "s", field{"note", "target not reached"})
		} else {
			err = e.emit(name, tcfg, "time_to_accuracy", tta[1], "s", field{"epoch", int(tta[0])}, field{"wall_incl_eval_s", tta[2]},
				field{"note", "sum of training time of epochs up to the first whose test acc >= target"})
		}
		if err != nil {
			return err
		}
	}
	return e.emit(name, cfg, "peak_rss", procStatusMiB("VmHWM"), "MiB")
}

// trainSteps runs steps optimizer steps on the loss that loss returns
// (zero the gradients, backward, step) and returns every step's loss and
// the seconds taken by the steps after the first warmup.
func trainSteps(ctx context.Context, dev ember.Device, steps, warmup int, loss func() *ember.Tensor, opt optim.Optimizer) ([]float64, float64, error) {
	var losses []float64
	var t0 time.Time
	for step := 1; step <= steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		l := loss()
		opt.ZeroGrad()
		l.Backward()
		opt.Step()
		losses = append(losses, l.Item())
		if step == warmup {
			// A device profile (--device-profile) covers the timed steps
			// only: the first calls' module loads and allocations stay out.
			if ember.DeviceProfiling(dev) {
				if err := ember.ResetDeviceProfile(dev); err != nil {
					return nil, 0, err
				}
			}
			t0 = time.Now()
		}
	}
	return losses, time.Since(t0).Seconds(), nil
}

// fmnistAccuracy is train_fmnist.py's evaluate: argmax over batches of 1000.
func fmnistAccuracy(m nn.Layer, x, y *ember.Tensor) float64 {
	nn.Eval(m)
	defer nn.Train(m)
	correct := 0
	n := x.Size(0)
	ember.NoGrad(func() {
		for i := 0; i < n; i += 1000 {
			k := min(1000, n-i)
			logits := m.Forward(x.Narrow(0, i, k))
			pred := logits.Argmax(1)
			logits.Free() // the big temporaries go back at once, not at the next collection
			correct += int(pred.Eq(y.Narrow(0, i, k)).To(ember.Int64).Sum().ItemInt())
		}
	})
	return float64(correct) / float64(n)
}

// goCorpus is gpt_char.py's corpus: every .go file of $GOROOT/src/fmt and
// $GOROOT/src/strings, sorted by path, concatenated.
func goCorpus() (data []byte, files int, sum string, err error) {
	root := ""
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		root = strings.TrimSpace(string(out))
	}
	if root == "" {
		root = runtime.GOROOT()
	}
	if root == "" {
		root = "/usr/local/go"
	}
	var paths []string
	for _, dir := range []string{"fmt", "strings"} {
		m, _ := filepath.Glob(filepath.Join(root, "src", dir, "*.go"))
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return nil, 0, "", fmt.Errorf("no Go sources under %s/src/fmt or strings for the gpt_char corpus", root)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, 0, "", err
		}
		data = append(data, b...)
	}
	h := sha256.Sum256(data)
	return data, len(paths), hex.EncodeToString(h[:]), nil
}

// benchGPT is gpt_char.py: AdamW 3e-4 on random windows of the corpus's
// first 90%, then validation loss, then greedy generation with and
// without the KV cache.
func benchGPT(ctx context.Context, e *emitter, dev ember.Device, c benchConfig) error {
	ember.ManualSeed(0)
	corpus, nfiles, sum, err := goCorpus()
	if err != nil {
		return err
	}
	split := len(corpus) * 9 / 10
	trainData, valData := corpus[:split], corpus[split:]
	gcfg := models.GPTConfig{Layers: c.GPT[0], Heads: c.GPT[1], Embd: c.GPT[2], BlockSize: c.GPT[3]}
	m := models.NewGPTChar(gcfg, ember.NewGenerator(0))
	if err := nn.To(m, dev); err != nil {
		return err
	}
	block, batch := c.GPT[3], c.GPTBatch
	opt := optim.NewAdamW(nn.Parameters(m), optim.AdamOptions{LR: 3e-4})
	cfg := object{{"n_layer", c.GPT[0]}, {"n_head", c.GPT[1]}, {"n_embd", c.GPT[2]}, {"block_size", block},
		{"batch", batch}, {"steps", c.GPTSteps}, {"params", nn.NumParams(m, false)}, {"corpus_bytes", len(corpus)},
		{"corpus_files", nfiles}, {"corpus_sha256", sum[:16]}}
	getBatch := func(text []byte, g *ember.Generator) (x, y *ember.Tensor) {
		ix := ember.RandInt(0, int64(len(text)-block-1), []int{batch}, g).Ints()
		xs, ys := make([]int64, batch*block), make([]int64, batch*block)
		for r, i := range ix {
			for j := 0; j < block; j++ {
				xs[r*block+j], ys[r*block+j] = int64(text[i+j]), int64(text[i+j+1])
			}
		}
		return ember.FromSlice(xs, batch, block).To(dev), ember.FromSlice(ys, batch, block).To(dev)
	}
	rssBefore := procStatusMiB("VmRSS")
	gen := ember.NewGenerator(0)
	e.markStart()
	losses, dt, err := trainSteps(ctx, dev, c.GPTSteps, c.GPTWarmup, func() *ember.Tensor {
		x, y := getBatch(trainData, gen)
		return lmLoss(m.Forward(x), y)
	}, opt)
	if err != nil {
		return err
	}
	timed := float64(c.GPTSteps - c.GPTWarmup)
	if err := e.emit("gpt_char", cfg, "train_throughput", timed*float64(batch*block)/dt, "tokens/s",
		field{"step_ms", dt / timed * 1e3}, field{"note", fmt.Sprintf("steps after the first %d", c.GPTWarmup)}); err != nil {
		return err
	}
	last := losses[max(0, len(losses)-10):]
	lsum := 0.0
	for _, l := range last {
		lsum += l
	}
	if err := e.emit("gpt_char", cfg, "train_loss", lsum/float64(len(last)), "nats/token",
		field{"note", "mean of the last 10 steps"}, field{"first_loss", losses[0]}); err != nil {
		return err
	}
	nn.Eval(m)
	vgen := ember.NewGenerator(1)
	vsum := 0.0
	ember.NoGrad(func() {
		for range c.GPTValBatches {
			x, y := getBatch(valData, vgen)
			vsum += lmLoss(m.Forward(x), y).Item()
		}
	})
	if err := e.emit("gpt_char", cfg, "val_loss", vsum/float64(c.GPTValBatches), "nats/token",
		field{"note", fmt.Sprintf("%d random val batches", c.GPTValBatches)}); err != nil {
		return err
	}
	if err := e.emit("gpt_char", cfg, "peak_rss", procStatusMiB("VmHWM"), "MiB", field{"rss_before_training_mib", rssBefore}); err != nil {
		return err
	}
	prompt := valData[:1]
	outs := map[bool][]byte{}
	n := c.GPTNewTokens
	for _, useCache := range []bool{false, true} {
		var times []float64
		for range c.GPTGenRuns {
			e.markStart()
			t := time.Now()
			out, err := m.Generate(prompt, n, useCache)
			if err != nil {
				return err
			}
			times = append(times, time.Since(t).Seconds())
			outs[useCache] = out
		}
		sort.Float64s(times)
		gcfg := cfg.with(field{"batch", 1}, field{"new_tokens", n}, field{"kv_cache", useCache})
		if err := e.emit("gpt_char_generate", gcfg, "tokens_per_s", float64(n)/times[len(times)/2], "tokens/s",
			field{"min", float64(n) / times[len(times)-1]}, field{"max", float64(n) / times[0]}); err != nil {
			return err
		}
	}
	k := min(block-1, n)
	same := 0
	if string(outs[false][:k]) == string(outs[true][:k]) {
		same = 1
	}
	return e.emit("gpt_char_generate", cfg.with(field{"batch", 1}), fmt.Sprintf("cache_matches_nocache_first_%d", block-1), same, "bool")
}
