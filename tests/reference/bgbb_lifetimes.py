"""Make tests/reference/bgbb_lifetimes.json: lifetimes' BG/BB fit on the donor panel.

    python -m venv /tmp/ltvenv && /tmp/ltvenv/bin/pip install lifetimes==0.11.3
    /tmp/ltvenv/bin/python tests/reference/bgbb_lifetimes.py

lifetimes (MIT licence, archived) is used only here, as a second reference beside the
published estimates; the tests do not need it. Its BetaGeoBetaBinomFitter fits the model
of Fader, Hardie & Shang (2010) to the same 22 recency/frequency patterns (data/real/
donations.csv, which is lifetimes' own datasets/donations.csv).
"""

from __future__ import annotations

import json
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoBetaBinomFitter

HERE = Path(__file__).parent
d = pd.read_csv(HERE.parents[1] / "data" / "real" / "donations.csv")
fit = BetaGeoBetaBinomFitter().fit(d["frequency"], d["recency"], d["periods"],
                                   weights=d["weights"])
p = fit.params_
histories = {"frequency": [0, 2, 6], "recency": [0, 4, 6], "n": [6, 6, 6]}
p_alive = fit.conditional_probability_alive(1, np.array(histories["frequency"]),
                                            np.array(histories["recency"]),
                                            np.array(histories["n"]))
expected = fit.conditional_expected_number_of_purchases_up_to_time(
    5, d["frequency"], d["recency"], d["periods"])
out = {
    "made_with": f"lifetimes {lifetimes.__version__}, pandas {pd.__version__}, "
                 f"numpy {np.__version__}",
    "params": {k: float(p[k]) for k in ("alpha", "beta", "gamma", "delta")},
    "loglik": float(-fit._negative_log_likelihood_ * d["weights"].sum())
    if hasattr(fit, "_negative_log_likelihood_") else None,
    "histories": histories,
    "p_alive_next_period": [float(v) for v in np.ravel(p_alive)],
    "expected_next_5_periods_total": float((np.asarray(expected) * d["weights"]).sum()),
}
(HERE / "bgbb_lifetimes.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
print(json.dumps(out, indent=1))
