# References for the bundled real data (tests/test_evidence.py): run from the repository root,
#   Rscript tests/reference/real_data.R   (needs r-cran-survival and r-cran-jsonlite)
# writes tests/reference/real_data.json.
library(survival)
library(jsonlite)

# RET-1 on the IBM telco table: Cox model of leaving on the number of services held, adjusted
# for senior citizen, partner and dependents (Efron ties, robust SEs, as cxlib); tenure 0
# (11 new customers, none has left) means no time at risk: left out, as in cxlib.
telco <- read.csv(gzfile("data/real/telco_churn.csv.gz"))
telco <- telco[telco$tenure > 0, ]
cox <- coxph(Surv(tenure, churn) ~ n_services + senior_citizen + partner + dependents,
             data = telco, ties = "efron", robust = TRUE)
ci <- exp(confint(cox)["n_services", ])

# QUAL-1 on the ECSI survey: R² of satisfaction (CUSA1) on perceived quality (the mean of
# PERQ1-7) and on the gap perceived quality minus expectation (the mean of CUEX1-3).
mobi <- read.csv("data/real/mobi.csv")
perq <- rowMeans(mobi[paste0("PERQ", 1:7)])
cuex <- rowMeans(mobi[paste0("CUEX", 1:3)])
r2 <- function(x) summary(lm(mobi$CUSA1 ~ x))$r.squared

write_json(list(
  telco_cox = list(n = cox$n, events = cox$nevent,
                   hr_n_services = unname(exp(coef(cox)["n_services"])),
                   ci_low = unname(ci[1]), ci_high = unname(ci[2])),
  ecsi_gap = list(r2_perception = r2(perq), r2_gap = r2(perq - cuex))),
  "tests/reference/real_data.json", digits = 10, auto_unbox = TRUE, pretty = TRUE)
