"""Golden fixtures for Interpolate (ops_interp.go).

Args: size or scale_factor (lists), mode, align_corners,
recompute_scale_factor.
"""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("interp")


def interp_case(name, x, grad=True, noncontiguous=False, **kw):
    args = {"mode": kw.get("mode", "nearest")}
    for k in ("size", "scale_factor"):
        if k in kw:
            v = kw[k]
            args[k] = list(v) if isinstance(v, (tuple, list)) else [v]
    for k in ("align_corners", "recompute_scale_factor"):
        if kw.get(k):
            args[k] = True
    fx.case(name, "interpolate", [x], lambda t: F.interpolate(t, **kw), args=args, grad=grad,
            noncontiguous=noncontiguous)


for mode in ["nearest", "nearest-exact"]:
    interp_case(f"{mode}/size_up", rnd(2, 3, 3, 4), size=(5, 7), mode=mode)
    interp_case(f"{mode}/size_down", rnd(1, 2, 7, 6), size=(3, 4), mode=mode)
    interp_case(f"{mode}/scale2", rnd(1, 2, 3, 3), scale_factor=2, mode=mode)
    interp_case(f"{mode}/scale_frac", rnd(1, 2, 5, 4), scale_factor=(1.7, 0.6), mode=mode)
    interp_case(f"{mode}/scale_recompute", rnd(1, 2, 5, 4), scale_factor=(1.7, 2.3), mode=mode, recompute_scale_factor=True)
    interp_case(f"{mode}/same_size_scale", rnd(1, 1, 4, 4), scale_factor=1.2, mode=mode)
    interp_case(f"{mode}/noncontig_f64", rnd(2, 2, 3, 5, dtype=torch.float64), size=(6, 4), mode=mode, noncontiguous=True)
interp_case("nearest/uint8", torch.randint(0, 255, (1, 2, 3, 3), dtype=torch.uint8), size=(5, 4), grad=False)
interp_case("nearest/nan", torch.tensor([[[[1.0, float("nan")], [float("inf"), 2.0]]]]), scale_factor=2, grad=False)

for align in [False, True]:
    tag = "align" if align else "noalign"
    interp_case(f"bilinear_{tag}/size_up", rnd(2, 3, 3, 4), size=(5, 7), mode="bilinear", align_corners=align)
    interp_case(f"bilinear_{tag}/size_down", rnd(1, 2, 7, 6), size=(3, 4), mode="bilinear", align_corners=align)
    interp_case(f"bilinear_{tag}/scale2", rnd(1, 2, 3, 3), scale_factor=2, mode="bilinear", align_corners=align)
    interp_case(f"bilinear_{tag}/scale_frac", rnd(1, 2, 5, 4), scale_factor=(1.7, 0.6), mode="bilinear", align_corners=align)
    interp_case(f"bilinear_{tag}/to_one", rnd(1, 2, 4, 5), size=(1, 3), mode="bilinear", align_corners=align)
    interp_case(f"bilinear_{tag}/from_one", rnd(1, 2, 1, 3), size=(3, 5), mode="bilinear", align_corners=align)
    interp_case(f"bilinear_{tag}/noncontig_f64", rnd(2, 2, 4, 3, dtype=torch.float64), scale_factor=(1.5, 2.5),
                mode="bilinear", align_corners=align, noncontiguous=True)
interp_case("bilinear/recompute", rnd(1, 2, 5, 4), scale_factor=(1.7, 2.3), mode="bilinear", recompute_scale_factor=True)
interp_case("bilinear/same_size", rnd(1, 2, 4, 4), size=(4, 6), mode="bilinear")
interp_case("bilinear/nan", torch.tensor([[[[1.0, float("nan")], [3.0, 2.0]]]]), size=(3, 3), mode="bilinear", grad=False)
fx.write()
