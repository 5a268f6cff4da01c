# Makes telco_churn.csv from the IBM Watson Analytics telco churn table as distributed in the
# R package modeldata (data set `wa_churn`, MIT licence; Debian: r-cran-modeldata).
#   Rscript data/real/telco_churn.R      (from the repository root)
# What it changes, and nothing else:
#   - customer_id: the row number (C0001 ...), because wa_churn has no customer id;
#   - n_services: how many of the nine services the customer holds (phone, a second line,
#     internet, online security, online backup, device protection, tech support, streaming TV,
#     streaming movies), i.e. the cross-holding the claim RET-1 speaks of;
#   - churn as 1/0 (wa_churn: Yes/No); every other column as wa_churn has it.
data(wa_churn, package = "modeldata")
d <- as.data.frame(wa_churn)
yes <- function(x) as.integer(as.character(x) %in% c("Yes", "DSL", "Fiber optic"))
services <- c("multiple_lines", "internet_service", "online_security", "online_backup",
              "device_protection", "tech_support", "streaming_tv", "streaming_movies")
d$n_services <- as.integer(d$phone_service) + rowSums(sapply(d[services], yes))
d$churn <- as.integer(d$churn == "Yes")
d <- cbind(customer_id = sprintf("C%04d", seq_len(nrow(d))), d)
out <- gzfile("data/real/telco_churn.csv.gz", "w")
write.csv(d, out, row.names = FALSE, na = "")
close(out)
