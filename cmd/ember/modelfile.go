package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/emberdl/ember/models"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/safetensors"
)

// Metadata keys of a model file written by "ember train".
const (
	metaFormat     = "ember.format"
	metaModel      = "ember.model"
	metaConfig     = "ember.config"
	metaDataset    = "ember.dataset"
	metaDataName   = "ember.dataset_name"
	metaTask       = "ember.task"
	metaClasses    = "ember.classes"
	metaInputShape = "ember.input_shape"
	metaCSV        = "ember.csv"
	metaVersion    = "ember.version"
	metaTestAcc    = "ember.test_accuracy"
	metaTestLoss   = "ember.test_loss"
	modelFormat    = "ember-model/1"
)

// modelInfo is what a model file says about itself.
type modelInfo struct {
	Model      string
	Config     models.Config
	Dataset    dataSource // how it was trained (--dataset form)
	DataName   string
	Task       task
	Classes    []string
	InputShape []int
	CSV        *csvMeta
}

// metadata encodes the info for the safetensors header.
func (mi *modelInfo) metadata() (map[string]string, error) {
	cfg, err := json.Marshal(mi.Config)
	if err != nil {
		return nil, err
	}
	classes, _ := json.Marshal(mi.Classes)
	shape, _ := json.Marshal(mi.InputShape)
	m := map[string]string{
		metaFormat: modelFormat, metaModel: mi.Model, metaConfig: string(cfg),
		metaDataset: mi.Dataset.String(), metaDataName: mi.DataName, metaTask: string(mi.Task),
		metaClasses: string(classes), metaInputShape: string(shape), metaVersion: emberVersion(),
	}
	if mi.CSV != nil {
		b, err := json.Marshal(mi.CSV)
		if err != nil {
			return nil, err
		}
		m[metaCSV] = string(b)
	}
	return m, nil
}

// parseModelInfo reads the metadata of a model file, checking every field.
func parseModelInfo(path string, meta map[string]string) (*modelInfo, error) {
	bad := func(key, why string) error {
		return fmt.Errorf("model file %s: metadata %q %s", path, key, why)
	}
	if meta[metaFormat] != modelFormat {
		if _, ok := meta[metaFormat]; !ok {
			return nil, fmt.Errorf("model file %s has no %q metadata: it was not written by \"ember train\"", path, metaFormat)
		}
		return nil, bad(metaFormat, fmt.Sprintf("is %q; this ember reads %q", meta[metaFormat], modelFormat))
	}
	mi := &modelInfo{Model: meta[metaModel], DataName: meta[metaDataName], Task: task(meta[metaTask])}
	if _, err := models.Lookup(mi.Model); err != nil {
		return nil, bad(metaModel, err.Error())
	}
	if err := json.Unmarshal([]byte(meta[metaConfig]), &mi.Config); err != nil {
		return nil, bad(metaConfig, "is not a model configuration: "+err.Error())
	}
	switch mi.Task {
	case taskClassify, taskRegress, taskText:
	default:
		return nil, bad(metaTask, fmt.Sprintf("is %q (want %s, %s or %s)", mi.Task, taskClassify, taskRegress, taskText))
	}
	if err := json.Unmarshal([]byte(meta[metaClasses]), &mi.Classes); err != nil {
		return nil, bad(metaClasses, "is not a list of names: "+err.Error())
	}
	if err := json.Unmarshal([]byte(meta[metaInputShape]), &mi.InputShape); err != nil || len(mi.InputShape) == 0 {
		return nil, bad(metaInputShape, "is not a shape")
	}
	if mi.Task == taskClassify && len(mi.Classes) == 0 {
		return nil, bad(metaClasses, "is empty for a classifier")
	}
	var err error
	if mi.Dataset, err = parseDataset(meta[metaDataset]); err != nil {
		return nil, bad(metaDataset, err.Error())
	}
	if raw, ok := meta[metaCSV]; ok {
		mi.CSV = &csvMeta{}
		if err := json.Unmarshal([]byte(raw), mi.CSV); err != nil || mi.CSV.Schema == nil || mi.CSV.Scale == nil {
			return nil, bad(metaCSV, "is not a CSV schema with standardisation statistics")
		}
	}
	return mi, nil
}

// loadModelFile opens a model written by "ember train" and rebuilds it.
func loadModelFile(path string) (nn.Layer, *modelInfo, error) {
	if path == "" {
		return nil, nil, usagef("--model-file is required")
	}
	f, err := safetensors.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("model file %s does not exist", path)
		}
		return nil, nil, fmt.Errorf("model file %s: %w", path, err)
	}
	meta := f.Metadata
	f.Close()
	mi, err := parseModelInfo(path, meta)
	if err != nil {
		return nil, nil, err
	}
	m, err := models.New(mi.Model, mi.Config)
	if err != nil {
		return nil, nil, fmt.Errorf("model file %s: %w", path, err)
	}
	if _, _, err := nn.Load(path, m, true); err != nil {
		return nil, nil, fmt.Errorf("model file %s does not hold a %s with this configuration: %w", path, mi.Model, err)
	}
	return m, mi, nil
}

// formatFloat prints a metric as the final lines do.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
