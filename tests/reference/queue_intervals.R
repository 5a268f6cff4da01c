# Reference numbers for cxlib.analyses.intervals (tests/test_intervals.py), from R's glm and
# sandwich on the crafted interval report queue_intervals.csv (12 days x 6 intervals).
#   Rscript tests/reference/queue_intervals.R      (writes queue_intervals.json beside it)
# Service level: intercept-only binomial GLM of the calls answered within the threshold out of
# the calls offered (or answered); patience: Poisson GLM of the calls abandoned with offset
# log(time waited by all callers), time waited = answered * ASA + abandoned * time to abandon.
# Errors clustered by day (vcovCL: CR1 with G/(G - 1), HC0 for a GLM), intervals with t(G - 1).
library(sandwich)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "queue_intervals.csv"))
G <- length(unique(d$day))
q <- qt(0.975, G - 1)
share <- function(base) {
  m <- glm(cbind(d$answered_within, d[[base]] - d$answered_within) ~ 1, family = binomial)
  se <- sqrt(vcovCL(m, cluster = d$day)[1, 1])
  b <- unname(coef(m))
  list(value = plogis(b), low = plogis(b - q * se), high = plogis(b + q * se), se_logit = se)
}
d$waits <- d$answered * d$asa_seconds + d$abandoned * d$abandon_seconds
m <- glm(abandoned ~ 1 + offset(log(waits)), family = poisson, data = d)
se <- sqrt(vcovCL(m, cluster = ~day)[1, 1])
b <- unname(coef(m))
out <- list(days = G, offered = share("offered"), answered = share("answered"),
            patience = list(value = exp(-b), low = exp(-(b + q * se)), high = exp(-(b - q * se)),
                            se_log = se),
            versions = list(R = R.version.string,
                            sandwich = as.character(packageVersion("sandwich"))))
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = 15, pretty = TRUE),
           file.path(here, "queue_intervals.json"))
