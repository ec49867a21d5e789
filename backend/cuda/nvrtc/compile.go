package nvrtc

// Request is everything one compilation needs.
type Request struct {
	// Name is the source's file name, used in messages.
	Name string
	// Source is the CUDA C++ text.
	Source string
	// Headers are the files Source may #include.
	Headers []Header
	// NameExpressions are C++ names (template instantiations) whose mangled
	// names the Result reports.
	NameExpressions []string
	// Options are NVRTC options, such as "--gpu-architecture=compute_80".
	Options []string
}

// Result is the output of one compilation.
type Result struct {
	// PTX is the generated PTX text.
	PTX []byte
	// CUBIN is the ELF image, present only for a real target (sm_XY).
	CUBIN []byte
	// Log holds warnings (it is empty on a clean compile).
	Log string
	// Lowered maps each name expression to its mangled kernel name.
	Lowered map[string]string
}

// Compile runs one compilation from start to end. A source error returns a
// *CompileError carrying the compiler log.
func Compile(req Request) (*Result, error) {
	p, err := NewProgram(req.Source, req.Name, req.Headers)
	if err != nil {
		return nil, err
	}
	defer p.Destroy()
	for _, e := range req.NameExpressions {
		if err := p.AddNameExpression(e); err != nil {
			return nil, err
		}
	}
	if err := p.Compile(req.Name, req.Options); err != nil {
		return nil, err
	}
	res := &Result{Lowered: make(map[string]string, len(req.NameExpressions))}
	if res.Log, err = p.Log(); err != nil {
		return nil, err
	}
	if res.PTX, err = p.PTX(); err != nil {
		return nil, err
	}
	if res.CUBIN, err = p.CUBIN(); err != nil {
		return nil, err
	}
	for _, e := range req.NameExpressions {
		if res.Lowered[e], err = p.LoweredName(e); err != nil {
			return nil, err
		}
	}
	return res, nil
}
