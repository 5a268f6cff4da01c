# Reference numbers for delayed entry (left truncation) in cxlib.analyses.retention: R's
# survival::coxph(Surv(start, stop, event) ~ ..., ties = "efron", robust = TRUE) and
# survfit(Surv(start, stop, event) ~ 1, conf.type = "log-log"), on
#   - the IBM telco table (data/real/telco_churn.csv.gz), a snapshot: customers present at the
#     start of one month, churn = left within it, so each enters at max(tenure - 1, 0);
#   - a small crafted table (made here, stored in the JSON) with whole and half months, tied
#     times, entries equal to other customers' exits, tenures shorter than the window and two
#     tenures of 0, with a window of 2 months.
# Rows with stop <= start have no time at risk: Surv() makes them NA (with a warning) and the
# fits leave them out; cxlib leaves them out and counts them.
# The log-rank test with delayed entry is the score test of coxph(..., ties = "exact")
# (survdiff refuses (start, stop] data; on right-censored data the two agree, checked below).
# Run from the repository root (needs r-cran-survival and r-cran-jsonlite):
#   Rscript tests/reference/cox_snapshot.R
# It writes tests/reference/cox_snapshot.json. The tests do not need R.
library(survival)
library(jsonlite)

cox_of <- function(formula, data) {
  fit <- suppressWarnings(coxph(formula, data = data, ties = "efron", robust = TRUE,
                                id = customer_id))
  s <- summary(fit)$coefficients
  z <- qnorm(0.975)
  list(terms = rownames(s), n = fit$n, events = fit$nevent, coef = unname(s[, "coef"]),
       robust_se = unname(s[, "robust se"]),
       hr = unname(exp(s[, "coef"])),
       ci_low = unname(exp(s[, "coef"] - z * s[, "robust se"])),
       ci_high = unname(exp(s[, "coef"] + z * s[, "robust se"])))
}

km_of <- function(data) {
  s <- summary(suppressWarnings(survfit(Surv(start, tenure, churn) ~ 1, data = data,
                                        conf.type = "log-log")))
  list(n = s$n, time = s$time, n_risk = s$n.risk, n_event = s$n.event, surv = s$surv,
       lower = s$lower, upper = s$upper)
}

# --- the telco snapshot -------------------------------------------------------------------
telco <- read.csv(gzfile("data/real/telco_churn.csv.gz"))
telco$start <- pmax(telco$tenure - 1, 0)
no_time <- sum(telco$tenure <= telco$start)  # the 11 customers with tenure 0
covariates <- "senior_citizen + partner + dependents"
f <- function(lhs, rhs) as.formula(paste(lhs, "~", rhs))
telco_out <- list(
  follow_up_months = 1, no_time_at_risk = no_time,
  delayed = cox_of(f("Surv(start, tenure, churn)", "n_services"), telco),
  delayed_covariates = cox_of(f("Surv(start, tenure, churn)",
                                paste("n_services +", covariates)), telco),
  naive = cox_of(f("Surv(tenure, churn)", "n_services"), telco[telco$tenure > 0, ]),
  naive_covariates = cox_of(f("Surv(tenure, churn)", paste("n_services +", covariates)),
                            telco[telco$tenure > 0, ]),
  km = km_of(telco))

# --- a small crafted snapshot -------------------------------------------------------------
set.seed(21)
n <- 40
crafted <- data.frame(customer_id = sprintf("K%02d", seq_len(n)),
                      tenure = sample(c(0:8, 2.5, 4.5), n, replace = TRUE),
                      churn = rbinom(n, 1, 0.45),
                      x = round(rnorm(n), 2),
                      g = sample(c("a", "b", "c"), n, replace = TRUE))
crafted$tenure[1:2] <- 0            # two customers with no time at risk
crafted$churn[1] <- 1               # one of them flagged as a leaver: still no time at risk
window <- 2
crafted$start <- pmax(crafted$tenure - window, 0)
crafted$g <- relevel(factor(crafted$g), ref = "a")
kept <- crafted[crafted$tenure > crafted$start, ]
score <- function(data, ties) coxph(Surv(start, tenure, churn) ~ g, data = data,
                                    ties = ties)$score
right <- kept
right$start <- 0
crafted_out <- list(
  data = crafted[c("customer_id", "tenure", "churn", "x", "g")] |>
    transform(g = as.character(g)),
  follow_up_months = window, no_time_at_risk = sum(crafted$tenure <= crafted$start),
  delayed = cox_of(Surv(start, tenure, churn) ~ x + g, crafted),
  km = km_of(crafted),
  logrank_delayed = score(kept, "exact"),
  logrank_right = survdiff(Surv(tenure, churn) ~ g, data = right)$chisq,
  logrank_right_exact_score = score(right, "exact"))
stopifnot(abs(crafted_out$logrank_right - crafted_out$logrank_right_exact_score) < 1e-8)

write(toJSON(list(source = "R survival::coxph(Surv(start, stop, event) ~ ..., ties = 'efron', robust = TRUE, id = customer_id); survfit(..., conf.type = 'log-log'); log-rank as coxph(ties = 'exact') score test",
                  made_by = "tests/reference/cox_snapshot.R", r_version = R.version.string,
                  survival_version = as.character(packageVersion("survival")),
                  telco = telco_out, crafted = crafted_out),
             digits = 15, auto_unbox = TRUE, pretty = TRUE),
      "tests/reference/cox_snapshot.json")
