# Reference for cxlib.loyalty.ordinal_effect on a text-coded ordinal outcome.
# The Copenhagen housing survey (MASS::housing; Madsen 1976): satisfaction Low < Medium < High
# of 1,681 tenants, and their perceived influence on management (Low/Medium/High, coded 1/2/3).
# Proportional-odds logit Sat ~ infl on one row per tenant, with the model-based and the
# sandwich (HC0) standard errors. Writes housing.csv (the 72-cell table with Freq) and
# ordinal_housing.json beside this script. Run from the repository root:
#   Rscript tests/reference/ordinal_housing.R
# Needs: apt-get install -y r-base-core r-cran-mass r-cran-sandwich r-cran-jsonlite
library(MASS)
library(sandwich)
library(jsonlite)

here <- "tests/reference"
h <- housing
write.csv(data.frame(Sat = as.character(h$Sat), Infl = as.character(h$Infl),
                     Type = as.character(h$Type), Cont = as.character(h$Cont), Freq = h$Freq),
          file.path(here, "housing.csv"), row.names = FALSE)
d <- h[rep(seq_len(nrow(h)), h$Freq), c("Sat", "Infl")]
d$infl <- as.integer(d$Infl)  # Low = 1, Medium = 2, High = 3
fit <- polr(Sat ~ infl, data = d, Hess = TRUE)
out <- list(
  model = "MASS::polr(Sat ~ infl), Sat ordered Low < Medium < High, infl = 1, 2, 3",
  n = nrow(d),
  sat_levels = levels(d$Sat),
  coefficient = unname(coef(fit)["infl"]),
  odds_ratio = unname(exp(coef(fit)["infl"])),
  se_model = unname(sqrt(diag(vcov(fit)))["infl"]),
  se_hc0 = unname(sqrt(diag(sandwich(fit)))[1]),
  thresholds = unname(fit$zeta),
  R = R.version.string, MASS = as.character(packageVersion("MASS")),
  sandwich = as.character(packageVersion("sandwich"))
)
write_json(out, file.path(here, "ordinal_housing.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE)
