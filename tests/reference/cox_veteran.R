# Reference numbers for cxlib.retention.cox_model: R's survival::coxph with robust
# (Lin-Wei sandwich) standard errors and Efron ties, on the Veterans' Administration lung
# cancer trial (survival::veteran, 137 patients, tied times). Run from the repository root:
#   Rscript tests/reference/cox_veteran.R
# It writes tests/reference/cox_veteran.csv (the data, as a tenure/churn table) and
# tests/reference/cox_veteran.json (the fits). The tests do not need R.
library(survival)
library(jsonlite)

d <- veteran
d$celltype <- as.character(d$celltype)
write.csv(data.frame(customer_id = sprintf("V%03d", seq_len(nrow(d))), days = d$time,
                     churned = d$status, karno = d$karno, age = d$age, trt = d$trt,
                     celltype = d$celltype),
          "tests/reference/cox_veteran.csv", row.names = FALSE)

fit_with <- function(ref) {
  d$celltype <- relevel(factor(d$celltype), ref = ref)
  fit <- coxph(Surv(time, status) ~ karno + age + trt + celltype, data = d, robust = TRUE,
               ties = "efron")
  s <- summary(fit, conf.int = 0.95)$coefficients
  terms <- sub("^celltype", "celltype[", rownames(s))
  terms <- ifelse(grepl("\\[", terms), paste0(terms, "]"), terms)
  z <- qnorm(0.975)
  list(reference = ref, n = fit$n, events = fit$nevent,
       terms = terms, coef = unname(s[, "coef"]), robust_se = unname(s[, "robust se"]),
       naive_se = unname(s[, "se(coef)"]),
       ci_low = unname(exp(s[, "coef"] - z * s[, "robust se"])),
       ci_high = unname(exp(s[, "coef"] + z * s[, "robust se"])))
}

out <- list(source = "R survival::coxph(Surv(time, status) ~ karno + age + trt + celltype, robust = TRUE, ties = 'efron')",
            r_version = R.version.string, survival_version = as.character(packageVersion("survival")),
            fits = list(large = fit_with("large"), smallcell = fit_with("smallcell")))
write(toJSON(out, digits = 12, auto_unbox = TRUE, pretty = TRUE), "tests/reference/cox_veteran.json")
