# Reference for the key drivers of data/real/customer_sat.csv (bayesm::customerSat): R² of
# overall satisfaction on the nine attributes and each attribute's LMG share of it (the average,
# over every order of entering the attributes, of the R² it adds), from lm() over all 2^9 subsets.
#   Rscript tests/reference/customer_sat_lmg.R      (from the repository root)
suppressMessages(library(jsonlite))
d <- read.csv("data/real/customer_sat.csv")
y <- "overall_satisfaction"
x <- setdiff(names(d), c("respondent_id", y))
k <- length(x)
r2 <- function(s) if (length(s) == 0) 0 else summary(lm(reformulate(s, y), data = d))$r.squared
lmg <- sapply(x, function(j) {
  others <- setdiff(x, j)
  total <- 0
  for (size in 0:(k - 1)) {
    subsets <- if (size == 0) list(character(0)) else combn(others, size, simplify = FALSE)
    w <- 1 / (k * choose(k - 1, size))
    for (s in subsets) total <- total + w * (r2(c(s, j)) - r2(s))
  }
  total
})
out <- list(n = nrow(d), r2 = r2(x), lmg = as.list(lmg), R = R.version.string)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/customer_sat_lmg.json")
