# Reference numbers for cxlib.analyses.relationships (REL-1 on an experiment file):
# Lin's (2013) regression adjustment with HC3 errors, and Welch's difference in means.
#   Rscript tests/reference/lin_adjustment.R   (from the repository root)
# Writes tests/reference/lin_adjustment.json. Made with R 4.x and sandwich.
library(sandwich)
d <- read.csv("data/sample/experiment.csv", stringsAsFactors = FALSE)
d$D <- as.numeric(d$arm == "note")
# covariates centred at their mean; block indicators (all but the first level), centred
X <- model.matrix(~ prior_purchases + block, data = d)[, -1]
Xc <- sweep(X, 2, colMeans(X))
fit <- lm(d$outcome ~ d$D * Xc)
V <- vcovHC(fit, type = "HC3")
b <- unname(coef(fit)[2]); se <- unname(sqrt(V[2, 2]))
# only the covariate, no blocks
Xp <- matrix(d$prior_purchases - mean(d$prior_purchases), ncol = 1)
fit_p <- lm(d$outcome ~ d$D * Xp)
Vp <- vcovHC(fit_p, type = "HC3")
# Welch: a numeric outcome (prior purchases, by arm; its true difference is 0)
w <- t.test(d$prior_purchases[d$D == 1], d$prior_purchases[d$D == 0], var.equal = FALSE)
out <- list(
  made_with = paste(R.version.string, "sandwich", as.character(packageVersion("sandwich"))),
  lin_prior_and_block = list(estimate = b, se = se),
  lin_prior = list(estimate = unname(coef(fit_p)[2]), se = unname(sqrt(Vp[2, 2]))),
  welch_prior = list(estimate = unname(w$estimate[1] - w$estimate[2]),
                     ci_low = w$conf.int[1], ci_high = w$conf.int[2])
)
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/lin_adjustment.json")
