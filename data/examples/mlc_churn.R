# Makes mlc_churn.csv.gz from modeldata::mlc_churn (modeldata 1.1.0, MIT licence; Debian:
# r-cran-modeldata): the MLC++ "churn" table, which the package documents as ARTIFICIAL ("A note
# in one of the source files states that the data are 'artificial based on claims similar to
# real world'"). A worked example only: its mapping declares `synthetic: true`.
#   Rscript data/examples/mlc_churn.R      (from the repository root)
# What it changes, and nothing else:
#   - customer_id: the row number (the table has no id), as the first column;
#   - churned: 1/0 from `churn` (yes/no), kept beside it; every other column as modeldata has it.
data(mlc_churn, package = "modeldata")
d <- as.data.frame(mlc_churn)
d$churned <- as.integer(d$churn == "yes")
d$customer_id <- seq_len(nrow(d))
d <- d[, c("customer_id", setdiff(names(d), "customer_id"))]
out <- gzfile("data/examples/mlc_churn.csv.gz", "w")
write.csv(d, out, row.names = FALSE)
close(out)
