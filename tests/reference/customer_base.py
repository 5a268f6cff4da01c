"""Make tests/reference/customer_base.json: published CDNOW estimates and lifetimes' numbers.

    python -m venv /tmp/ltvenv && /tmp/ltvenv/bin/pip install lifetimes==0.11.3
    /tmp/ltvenv/bin/python tests/reference/customer_base.py

lifetimes (MIT licence, archived) is used only here, to make reference numbers; the tests
do not need it. Made with lifetimes 0.11.3, pandas 3.0.1, numpy 2.4.6, scipy 1.17.1.
The summary is lifetimes' own CDNOW calibration summary (2,357 customers, weeks, the
39-week calibration period from 1997-01-01; recency and T rounded to 2 decimals).
"""

from __future__ import annotations

import json
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

PUBLISHED = {
    "bgnbd": {"values": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
              "source": "Fader, Hardie & Lee (2005), 'Counting your customers the easy way: "
                        "an alternative to the Pareto/NBD model', Marketing Science 24(2), "
                        "275-284, section 5 (CDNOW 1/10 sample, 2,357 customers, weeks)"},
    "pnbd": {"values": {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67},
             "source": "Fader, Hardie & Lee (2005), Marketing Science 24(2), section 5: the "
                       "Pareto/NBD estimates on the same sample"},
    "gamma_gamma": {"values": {"p": 6.25, "q": 3.74, "gamma": 15.44},
                    "source": "Fader, Hardie & Lee (2005), 'RFM and CLV: using iso-value "
                              "curves for customer base analysis', Journal of Marketing "
                              "Research 42(4), 415-430 (946 CDNOW sample customers with a "
                              "repeat purchase)"},
}

# customers at which per-customer quantities are compared: (x, t_x, T)
POINTS = [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (5, 20.0, 35.0),
          (7, 35.71, 38.86), (20, 38.0, 38.86), (1, 2.0, 30.0)]


def main() -> None:
    d = load_cdnow_summary_data_with_monetary_value()
    bg = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
    pn = ParetoNBDFitter().fit(d["frequency"], d["recency"], d["T"])
    rep = d[d["frequency"] > 0]
    gg = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    x, t_x, T = (np.array(v, float) for v in zip(*POINTS, strict=True))
    z = np.array([0.0, 11.77, 22.35, 30.0, 12.5, 45.0, 80.0])
    out = {
        "published": PUBLISHED,
        "made_with": {"lifetimes": lifetimes.__version__},
        "lifetimes": {
            "bgnbd": {"params": bg.params_.to_dict(),
                      "se": dict(zip(bg.params_.index, map(float, bg.standard_errors_),
                                     strict=True)),
                      "loglik": float(-bg._negative_log_likelihood_ * len(d))},
            "pnbd": {"params": pn.params_.to_dict()},
            "gamma_gamma": {"params": gg.params_.to_dict(),
                            "se": dict(zip(gg.params_.index, map(float, gg.standard_errors_),
                                           strict=True))},
            "points": {"frequency": x.tolist(), "recency": t_x.tolist(), "T": T.tolist(),
                       "monetary_value": z.tolist()},
            "p_alive": bg.conditional_probability_alive(x, t_x, T).tolist(),
            "expected_39": bg.conditional_expected_number_of_purchases_up_to_time(
                39, x, t_x, T).tolist(),
            "expected_new": [float(bg.expected_number_of_purchases_up_to_time(t))
                             for t in (1.0, 10.0, 39.0, 78.0)],
            "pnbd_expected_39": pn.conditional_expected_number_of_purchases_up_to_time(
                39, x, t_x, T).tolist(),
            "pnbd_p_alive": pn.conditional_probability_alive(x, t_x, T).tolist(),
            "expected_spend": gg.conditional_expected_average_profit(x, z).tolist(),
            "clv_12_months_1pct": gg.customer_lifetime_value(
                bg, *(pd.Series(v) for v in (x, t_x, T, z)), time=12, discount_rate=0.01,
                freq="W").tolist(),
        },
    }
    path = Path(__file__).with_suffix(".json")
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
