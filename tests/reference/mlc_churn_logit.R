# Reference for the failures -> leaving regression of notebook 06 on a tenure + churn-flag ledger
# without reasons: data/examples/mlc_churn.csv.gz (modeldata::mlc_churn, ARTIFICIAL data, a worked
# example). Logit of churned on the number of customer-service calls; odds ratio per call with
# the HC3 (sandwich) Wald interval exp(b +- z SE), as cxlib.analyses.defection.failure_churn_effect.
#   Rscript tests/reference/mlc_churn_logit.R      (from the repository root)
suppressMessages({library(sandwich); library(jsonlite)})
d <- read.csv(gzfile("data/examples/mlc_churn.csv.gz"))
m <- glm(churned ~ number_customer_service_calls, family = binomial, data = d)
b <- unname(coef(m)[2]); se <- sqrt(vcovHC(m, type = "HC3")[2, 2]); z <- qnorm(0.975)
out <- list(n = nrow(d), churned = sum(d$churned), or_per_call = exp(b),
            hc3_low = exp(b - z * se), hc3_high = exp(b + z * se), se_hc3 = se,
            churn_rate_by_calls = as.list(tapply(d$churned, pmin(d$number_customer_service_calls, 5), mean)),
            R = R.version.string, sandwich = as.character(packageVersion("sandwich")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "tests/reference/mlc_churn_logit.json")
