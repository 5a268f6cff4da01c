"""Sample data: deterministic, documented, and the bundled files are what the generator makes."""

from __future__ import annotations

import ast
import inspect
import json
import math
import os
import platform
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cxlib import sample
from cxlib.data.datasets import data_dir


def test_bundled_sample_is_reproducible_from_its_seed(tmp_path):
    bundled = data_dir() / "sample"
    seed = sample.parameters()["seed"]
    paths = sample.write_samples(tmp_path, seed=seed)
    for kind, path in paths.items():
        assert path.read_bytes() == (bundled / f"{kind}.csv").read_bytes(), kind
    assert (tmp_path / "parameters.yaml").read_text() == (bundled / "parameters.yaml").read_text()


def test_different_seed_gives_different_data():
    a, b = sample.generate(1, size=100), sample.generate(2, size=100)
    assert not a["survey"].equals(b["survey"])


def test_size_scales_the_tables():
    small = sample.generate(7, size=100)
    assert len(small["survey"]) == 100
    assert len(small["customers"]) == round(1500 * 100 / 800)


def test_parameters_are_written_beside_the_data():
    params = sample.parameters()
    assert params["parameters"]["survey"]["beta"]["rel"] == pytest.approx(0.40)
    assert "not evidence" in params["note"]


def test_survey_satisfaction_depends_on_the_planted_drivers():
    df = sample.generate(3, size=3000)["survey"]
    scores = pd.DataFrame({d: df[[f"{d}_{i}" for i in (1, 2, 3)]].mean(axis=1)
                           for d in sample.DIMS})
    corr = scores.corrwith(df["overall_sat"])
    assert corr["rel"] > corr["tan"]  # reliability planted at 0.40, tangibles at 0.05


def test_wom_counts_have_the_planted_mean():
    p = sample.SurveyParams(n=20000)
    df = sample.survey(p, np.random.default_rng(0))
    mid = df[(df.overall_sat > 2) & (df.overall_sat < 6)]
    assert mid.told_count.mean() == pytest.approx(np.exp(p.wom_b0), rel=0.05)


# --- the same bytes on every machine -------------------------------------------------------

CHILD = """
import json, sys
from cxlib import sample
sample.write_samples(sys.argv[1], seed=int(sys.argv[2]))
info = {"blas": [], "simd": None}
try:
    import threadpoolctl
    info["blas"] = [{k: i.get(k) for k in ("internal_api", "architecture", "num_threads")}
                    for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
except ImportError:
    pass
try:
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    info["simd"] = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
except ImportError:
    pass
print(json.dumps(info))
"""


def _numpy_simd_features() -> list[str]:
    """numpy's dispatched SIMD targets this CPU has (what NPY_DISABLE_CPU_FEATURES can turn off)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:
        return []
    return [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]


def machine_variants() -> dict[str, dict[str, str]]:
    """Two machines unlike this one (which the in-process test covers), each changing every
    setting that could change the bytes: BLAS threads, OpenBLAS kernels of another CPU,
    numpy without its SIMD code paths, glibc's libm without its FMA/AVX2 variants."""
    x86 = platform.machine().lower() in ("x86_64", "amd64")
    old = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "NPY_DISABLE_CPU_FEATURES": ",".join(_numpy_simd_features())}
    other = {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    if x86:
        old |= {"OPENBLAS_CORETYPE": "Haswell",
                "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F"}
        other |= {"OPENBLAS_CORETYPE": "Prescott"}
    return {"old": old, "other": other}


def test_bundled_sample_is_identical_under_other_threads_blas_kernels_simd_and_libm(tmp_path):
    bundled, seed = data_dir() / "sample", sample.parameters()["seed"]
    variants = machine_variants()
    runs = {name: subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / name), str(seed)],
                                   env={**os.environ, **env}, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
            for name, env in variants.items()}
    info = {}
    for name, run in runs.items():
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, f"{name}: {err}"
        info[name] = json.loads(out.strip().splitlines()[-1])
        for path in sorted(bundled.iterdir()):
            assert (tmp_path / name / path.name).read_bytes() == path.read_bytes(), \
                f"{path.name} differs under {variants[name]}"
    # the settings took effect, where the runtime can tell
    blas = [i["blas"][0] for i in info.values() if i["blas"]]
    if len(blas) == 2 and blas[0]["internal_api"] == "openblas":
        assert [b["num_threads"] for b in blas] == [1, min(2, os.cpu_count() or 1)]
        if "OPENBLAS_CORETYPE" in variants["old"]:
            assert blas[0]["architecture"] != blas[1]["architecture"]
    if info["old"]["simd"] is not None:
        assert info["old"]["simd"] == []


FORBIDDEN = {"linalg", "dot", "matmul", "einsum", "inner", "tensordot", "vdot",
             "multivariate_normal", "exp", "expm1", "log", "log1p", "log2", "log10", "power",
             "expit", "logit", "lognormal", "std", "var"}


def test_generator_source_uses_no_blas_lapack_or_simd_transcendentals():
    """The generation path has no ``@``, no linear algebra, no numpy/scipy transcendental
    functions and no float SD (their results depend on the BLAS, the CPU and the summation
    order); :func:`sample.exp_portable` and :func:`sample.mean_sd` replace them."""
    tree = ast.parse(inspect.getsource(sample))
    matmul = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.MatMult)]
    calls = sorted({(n.lineno, n.attr) for n in ast.walk(tree)
                    if isinstance(n, ast.Attribute) and n.attr in FORBIDDEN})
    imports = [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
               for a in n.names if a.name in FORBIDDEN]
    assert (matmul, calls, imports) == ([], [], [])


def test_generation_calls_no_linear_algebra(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the sample generator must not call BLAS/LAPACK")
    for name in ("svd", "cholesky", "eigh", "eig", "qr", "solve", "inv", "lstsq"):
        monkeypatch.setattr(np.linalg, name, refuse)
    for name in ("dot", "matmul", "einsum", "inner", "tensordot", "vdot"):
        monkeypatch.setattr(np, name, refuse)
    tables = sample.generate(5, size=120)
    assert len(tables["survey"]) == 120


def test_exp_portable_is_within_one_ulp_of_exp():
    x = np.r_[np.linspace(-40, 40, 20001), [0.0, 1e-300, -1e-300, 700.0, -700.0]]
    exact = np.array([math.exp(v) for v in x.tolist()])  # libm: itself within ~0.5 ulp
    ulps = np.abs(sample.exp_portable(x) - exact) / np.spacing(exact)
    assert ulps.max() <= 1.5
    assert sample.exp_portable(0.0) == 1.0
    assert sample.expit_portable(0.0) == 0.5
    assert sample.expit_portable(np.array([-30.0, 30.0])) == pytest.approx([math.exp(-30),
                                                                             1 - math.exp(-30)])


def test_mean_sd_does_not_depend_on_the_order_of_summation():
    x = np.random.default_rng(4).normal(3, 2, 5001)
    forward, backward = sample.mean_sd(x, ddof=1), sample.mean_sd(x[::-1], ddof=1)
    assert forward == backward  # exactly: fsum is exactly rounded
    assert forward == pytest.approx((x.mean(), x.std(ddof=1)), rel=1e-13)


def test_equicorrelated_normals_have_unit_variance_and_the_stated_correlation():
    q = sample.equicorrelated_normals(200_000, 5, 0.45, np.random.default_rng(9))
    corr = np.corrcoef(q, rowvar=False)
    assert q.std(axis=0) == pytest.approx(np.ones(5), abs=0.01)
    assert corr[np.triu_indices(5, 1)] == pytest.approx(np.full(10, 0.45), abs=0.01)
    with pytest.raises(ValueError, match="rho"):
        sample.equicorrelated_normals(10, 5, -0.1, np.random.default_rng(9))


def test_write_csv_writes_floats_as_their_shortest_repr(tmp_path):
    frame = pd.DataFrame({"x": [0.1 + 0.2, 52.3, np.nan], "k": [1, 2, 3], "s": ["a", "", "c"]})
    sample.write_csv(frame, tmp_path / "f.csv")
    assert (tmp_path / "f.csv").read_text() == "x,k,s\n0.30000000000000004,1,a\n52.3,2,\n,3,c\n"
